-- oracle/19 (numeric)
-- params: after_created_at, after_created_at, after_id, limit
SELECT "ID", "NAME" FROM "SP_RUNS" WHERE NOT "LEVEL" IS NULL AND ("CREATED_AT" > :1 OR ("CREATED_AT" = :2 AND "ID" > :3)) ORDER BY "CREATED_AT", "ID" FETCH FIRST :4 ROWS ONLY
