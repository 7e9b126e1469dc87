-- oracle/23 (numeric)
-- params: max, max
SELECT "ID", "ATTEMPTS" > :1 AS "EXHAUSTED", TRUE AS "ALWAYS" FROM "SP_RUNS" WHERE "ACTIVE" AND NOT ("ATTEMPTS" > :2) ORDER BY "ID"
