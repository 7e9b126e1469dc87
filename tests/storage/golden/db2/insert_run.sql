-- db2/11.5 (qmark)
-- params: name, state, attempts, active, level, payload, note, price, ratio, day, blob, created_at
INSERT INTO "SP_RUNS" ("NAME", "STATE", "ATTEMPTS", "ACTIVE", "LEVEL", "PAYLOAD", "NOTE", "PRICE", "RATIO", "DAY", "BLOB", "CREATED_AT") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
