-- db2/11.5 (qmark)
-- params: state, attempts, name, expected_state
UPDATE "SP_RUNS" SET "STATE" = ?, "ATTEMPTS" = ? WHERE "NAME" = ? AND "STATE" = ?
