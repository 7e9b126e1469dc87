-- db2/11.5 (qmark)
-- params: entity_type, entity_id, valid, valid, known, known
SELECT "ENTITY_ID", "VALID_FROM", "VALID_TO", "SYSTEM_FROM", "SYSTEM_TO", "VALUE" FROM "SPINE_BITEMPORAL_FACTS" WHERE "ENTITY_TYPE" = ? AND "ENTITY_ID" = ? AND "VALID_FROM" <= ? AND ("VALID_TO" IS NULL OR "VALID_TO" > ?) AND "SYSTEM_FROM" <= ? AND ("SYSTEM_TO" IS NULL OR "SYSTEM_TO" > ?)
