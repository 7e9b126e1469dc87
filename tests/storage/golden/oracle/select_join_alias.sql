-- oracle/19 (numeric)
-- params: seq
SELECT "R"."NAME", "E"."KIND" FROM "SP_RUNS" "R" JOIN "SP_EVENTS" "E" ON "E"."RUN_ID" = "R"."ID" WHERE "E"."SEQ" = :1 ORDER BY "E"."AT" DESC, "R"."ID"
