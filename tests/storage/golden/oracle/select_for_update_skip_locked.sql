-- oracle/19 (numeric)
-- params: state
SELECT "ID" FROM "SP_RUNS" WHERE "STATE" = :1 FOR UPDATE SKIP LOCKED
