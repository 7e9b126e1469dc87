-- db2/11.1 (qmark)
-- params: seq
SELECT "R"."NAME", "E"."KIND" FROM "SP_RUNS" AS "R" JOIN "SP_EVENTS" AS "E" ON "E"."RUN_ID" = "R"."ID" WHERE "E"."SEQ" = ? ORDER BY "E"."AT" DESC, "R"."ID"
