-- oracle/19 (numeric)
-- params: active
SELECT COUNT(*) AS "N" FROM "SP_RUNS" WHERE "ACTIVE" = :1
