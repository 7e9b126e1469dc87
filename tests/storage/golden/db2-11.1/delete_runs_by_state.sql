-- db2/11.1 (qmark)
-- params: state
DELETE FROM "SP_RUNS" WHERE "STATE" = ?
