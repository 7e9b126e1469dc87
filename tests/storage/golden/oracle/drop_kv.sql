-- oracle/19 (numeric)
DROP TABLE "SP_KV"
