-- db2/11.5 (qmark)
-- params: active, offset, limit
SELECT "ID", "NAME", "STATE" FROM "SP_RUNS" WHERE "ACTIVE" = ? ORDER BY "CREATED_AT" DESC, "ID" OFFSET ? ROWS FETCH NEXT ? ROWS ONLY
