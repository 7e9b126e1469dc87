-- db2/11.1 (qmark)
-- params: lock_id, owner
DELETE FROM "SPINE_MIGRATION_LOCK" WHERE "LOCK_ID" = ? AND "OWNER" = ?
