-- db2/11.1 (qmark)
-- params: lock_id
SELECT "LOCK_ID", "OWNER", "EXPIRES_AT" FROM "SPINE_MIGRATION_LOCK" WHERE "LOCK_ID" = ?
