-- oracle/23 (numeric)
DROP TABLE IF EXISTS "SP_RUNS"
