-- oracle/19 (numeric)
-- params: k, v, flag, updated_at
INSERT INTO "SP_KV" ("K", "V", "FLAG", "UPDATED_AT") VALUES (:1, :2, :3, :4)
