-- db2/11.1 (qmark)
-- params: name, state, attempts, active, level, payload, note, price, ratio, day, blob, created_at
SELECT "ID" FROM FINAL TABLE (INSERT INTO "SP_RUNS" ("NAME", "STATE", "ATTEMPTS", "ACTIVE", "LEVEL", "PAYLOAD", "NOTE", "PRICE", "RATIO", "DAY", "BLOB", "CREATED_AT") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
