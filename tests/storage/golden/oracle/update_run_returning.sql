-- oracle/19 (numeric)
-- params: level, name, id, level
-- out binds: id, level
UPDATE "SP_RUNS" SET "LEVEL" = :1 WHERE "NAME" = :2 RETURNING "ID", "LEVEL" INTO :3, :4
