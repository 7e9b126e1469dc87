-- oracle/19 (numeric)
-- params: lock_id, owner, expires_at
DELETE FROM "SPINE_MIGRATION_LOCK" WHERE "LOCK_ID" = :1 AND "OWNER" = :2 AND "EXPIRES_AT" = :3
