-- db2/11.1 (qmark)
-- params: after_created_at, after_created_at, after_id, limit
SELECT "ID", "NAME" FROM "SP_RUNS" WHERE NOT "LEVEL" IS NULL AND ("CREATED_AT" > ? OR ("CREATED_AT" = ? AND "ID" > ?)) ORDER BY "CREATED_AT", "ID" FETCH FIRST ? ROWS ONLY
