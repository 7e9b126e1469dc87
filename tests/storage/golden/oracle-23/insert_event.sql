-- oracle/23 (numeric)
-- params: kind, at, name
INSERT INTO "SP_EVENTS" ("RUN_ID", "SEQ", "KIND", "AT") SELECT "ID", 1, :1, :2 FROM "SP_RUNS" WHERE "NAME" = :3
