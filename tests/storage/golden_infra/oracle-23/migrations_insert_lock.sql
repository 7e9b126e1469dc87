-- oracle/23 (numeric)
-- params: lock_id, owner, expires_at
INSERT INTO "SPINE_MIGRATION_LOCK" ("LOCK_ID", "OWNER", "EXPIRES_AT") VALUES (:1, :2, :3)
