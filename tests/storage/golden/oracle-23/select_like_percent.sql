-- oracle/23 (numeric)
-- params: state
SELECT "NAME" FROM "SP_RUNS" WHERE "NAME" LIKE 'night%' AND "STATE" <> :1
