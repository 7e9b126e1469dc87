-- db2/11.5 (qmark)
-- params: lock_id, owner
DELETE FROM "SPINE_MIGRATION_LOCK" WHERE "LOCK_ID" = ? AND "OWNER" = ?
