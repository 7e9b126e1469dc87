-- db2/11.1 (qmark)
-- params: k
SELECT "K", "V" FROM OLD TABLE (DELETE FROM "SP_KV" WHERE "K" = ?)
