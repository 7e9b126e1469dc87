-- oracle/23 (numeric)
DROP TABLE "SP_KV"
