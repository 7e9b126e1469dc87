-- db2/11.1 (qmark)
-- params: lock_id, owner, expires_at
INSERT INTO "SPINE_MIGRATION_LOCK" ("LOCK_ID", "OWNER", "EXPIRES_AT") VALUES (?, ?, ?)
