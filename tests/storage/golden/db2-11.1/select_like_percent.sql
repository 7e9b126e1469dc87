-- db2/11.1 (qmark)
-- params: state
SELECT "NAME" FROM "SP_RUNS" WHERE "NAME" LIKE 'night%' AND "STATE" <> ?
