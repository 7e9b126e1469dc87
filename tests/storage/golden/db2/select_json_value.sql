-- db2/11.5 (qmark)
-- params: name
SELECT JSON_VALUE("PAYLOAD", '$.k') AS "K" FROM "SP_RUNS" WHERE "NAME" = ?
