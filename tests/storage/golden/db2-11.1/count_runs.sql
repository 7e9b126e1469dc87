-- db2/11.1 (qmark)
-- params: active
SELECT COUNT(*) AS "N" FROM "SP_RUNS" WHERE "ACTIVE" = ?
