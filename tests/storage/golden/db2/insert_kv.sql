-- db2/11.5 (qmark)
-- params: k, v, flag, updated_at
INSERT INTO "SP_KV" ("K", "V", "FLAG", "UPDATED_AT") VALUES (?, ?, ?, ?)
