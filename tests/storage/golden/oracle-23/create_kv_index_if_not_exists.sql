-- oracle/23 (numeric)
CREATE INDEX IF NOT EXISTS "IX_SP_KV_V" ON "SP_KV"("V")
