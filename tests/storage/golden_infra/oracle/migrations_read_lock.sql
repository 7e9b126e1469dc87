-- oracle/19 (numeric)
-- params: lock_id
SELECT "LOCK_ID", "OWNER", "EXPIRES_AT" FROM "SPINE_MIGRATION_LOCK" WHERE "LOCK_ID" = :1
