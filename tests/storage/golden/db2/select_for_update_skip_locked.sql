-- db2/11.5 (qmark)
-- params: state
SELECT "ID" FROM "SP_RUNS" WHERE "STATE" = ? FOR UPDATE SKIP LOCKED DATA
