-- oracle/19 (numeric)
-- params: k, v
MERGE INTO "SP_KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")
