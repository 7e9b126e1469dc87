-- db2/11.5 (qmark)
-- params: k
SELECT "K", "V" FROM OLD TABLE (DELETE FROM "SP_KV" WHERE "K" = ?)
