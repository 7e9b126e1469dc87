-- oracle/23 (numeric)
-- params: state
DELETE FROM "SP_RUNS" WHERE "STATE" = :1
