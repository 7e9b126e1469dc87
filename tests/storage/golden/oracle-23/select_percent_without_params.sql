-- oracle/23 (numeric)
SELECT "NAME" FROM "SP_RUNS" WHERE "NAME" LIKE '%ly'
