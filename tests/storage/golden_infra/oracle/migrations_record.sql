-- oracle/19 (numeric)
-- params: version, name, checksum, applied_at, duration_ms
INSERT INTO "SPINE_MIGRATIONS" ("VERSION", "NAME", "CHECKSUM", "APPLIED_AT", "DURATION_MS") VALUES (:1, :2, :3, :4, :5)
