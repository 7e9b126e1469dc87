-- oracle/23 (numeric)
-- params: entity_type, entity_id, valid, valid, known, known
SELECT "ENTITY_ID", "VALID_FROM", "VALID_TO", "SYSTEM_FROM", "SYSTEM_TO", "VALUE" FROM "SPINE_BITEMPORAL_FACTS" WHERE "ENTITY_TYPE" = :1 AND "ENTITY_ID" = :2 AND "VALID_FROM" <= :3 AND ("VALID_TO" IS NULL OR "VALID_TO" > :4) AND "SYSTEM_FROM" <= :5 AND ("SYSTEM_TO" IS NULL OR "SYSTEM_TO" > :6)
