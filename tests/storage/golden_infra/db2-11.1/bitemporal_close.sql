-- db2/11.1 (qmark)
-- params: system_to, entity_type, entity_id, valid_from, system_from
UPDATE "SPINE_BITEMPORAL_FACTS" SET "SYSTEM_TO" = ? WHERE "ENTITY_TYPE" = ? AND "ENTITY_ID" = ? AND "VALID_FROM" = ? AND "SYSTEM_FROM" = ?
