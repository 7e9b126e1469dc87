-- oracle/19 (numeric)
-- params: entity_type, entity_id, valid_from, valid_to, system_from, system_to, value
INSERT INTO "SPINE_BITEMPORAL_FACTS" ("ENTITY_TYPE", "ENTITY_ID", "VALID_FROM", "VALID_TO", "SYSTEM_FROM", "SYSTEM_TO", "VALUE") VALUES (:1, :2, :3, :4, :5, :6, :7)
