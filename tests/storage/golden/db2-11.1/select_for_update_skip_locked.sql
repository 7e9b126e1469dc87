-- db2/11.1 (qmark)
-- params: state
SELECT "ID" FROM "SP_RUNS" WHERE "STATE" = ? FOR UPDATE SKIP LOCKED DATA
