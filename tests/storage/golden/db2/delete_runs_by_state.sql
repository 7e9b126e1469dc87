-- db2/11.5 (qmark)
-- params: state
DELETE FROM "SP_RUNS" WHERE "STATE" = ?
