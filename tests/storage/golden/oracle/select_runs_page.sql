-- oracle/19 (numeric)
-- params: active, offset, limit
SELECT "ID", "NAME", "STATE" FROM "SP_RUNS" WHERE "ACTIVE" = :1 ORDER BY "CREATED_AT" DESC, "ID" OFFSET :2 ROWS FETCH NEXT :3 ROWS ONLY
