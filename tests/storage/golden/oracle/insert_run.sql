-- oracle/19 (numeric)
-- params: name, state, attempts, active, level, payload, note, price, ratio, day, blob, created_at
INSERT INTO "SP_RUNS" ("NAME", "STATE", "ATTEMPTS", "ACTIVE", "LEVEL", "PAYLOAD", "NOTE", "PRICE", "RATIO", "DAY", "BLOB", "CREATED_AT") VALUES (:1, :2, :3, :4, :5, :6, :7, :8, :9, :10, :11, :12)
