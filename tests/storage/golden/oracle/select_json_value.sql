-- oracle/19 (numeric)
-- params: name
SELECT JSON_VALUE("PAYLOAD", '$.k') AS "K" FROM "SP_RUNS" WHERE "NAME" = :1
