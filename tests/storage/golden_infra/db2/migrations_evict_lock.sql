-- db2/11.5 (qmark)
-- params: lock_id, owner, expires_at
DELETE FROM "SPINE_MIGRATION_LOCK" WHERE "LOCK_ID" = ? AND "OWNER" = ? AND "EXPIRES_AT" = ?
