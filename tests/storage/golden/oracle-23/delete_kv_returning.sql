-- oracle/23 (numeric)
-- params: k, k, v
-- out binds: k, v
DELETE FROM "SP_KV" WHERE "K" = :1 RETURNING "K", "V" INTO :2, :3
