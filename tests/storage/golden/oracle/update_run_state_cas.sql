-- oracle/19 (numeric)
-- params: state, attempts, name, expected_state
UPDATE "SP_RUNS" SET "STATE" = :1, "ATTEMPTS" = :2 WHERE "NAME" = :3 AND "STATE" = :4
