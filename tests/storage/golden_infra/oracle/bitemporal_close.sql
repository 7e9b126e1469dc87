-- oracle/19 (numeric)
-- params: system_to, entity_type, entity_id, valid_from, system_from
UPDATE "SPINE_BITEMPORAL_FACTS" SET "SYSTEM_TO" = :1 WHERE "ENTITY_TYPE" = :2 AND "ENTITY_ID" = :3 AND "VALID_FROM" = :4 AND "SYSTEM_FROM" = :5
