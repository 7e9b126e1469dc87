-- db2/11.5 (qmark)
-- params: entity_type, entity_id, valid_from, valid_to, system_from, system_to, value
INSERT INTO "SPINE_BITEMPORAL_FACTS" ("ENTITY_TYPE", "ENTITY_ID", "VALID_FROM", "VALID_TO", "SYSTEM_FROM", "SYSTEM_TO", "VALUE") VALUES (?, ?, ?, ?, ?, ?, ?)
