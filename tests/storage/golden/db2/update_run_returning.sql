-- db2/11.5 (qmark)
-- params: level, name
SELECT "ID", "LEVEL" FROM FINAL TABLE (UPDATE "SP_RUNS" SET "LEVEL" = ? WHERE "NAME" = ?)
