-- db2/11.1 (qmark)
-- params: k, v, flag, updated_at
INSERT INTO "SP_KV" ("K", "V", "FLAG", "UPDATED_AT") VALUES (?, ?, ?, ?)
