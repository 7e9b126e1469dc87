-- db2/11.1 (qmark)
-- params: version, name, checksum, applied_at, duration_ms
INSERT INTO "SPINE_MIGRATIONS" ("VERSION", "NAME", "CHECKSUM", "APPLIED_AT", "DURATION_MS") VALUES (?, ?, ?, ?, ?)
