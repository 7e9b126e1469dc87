-- oracle/23 (numeric)
-- params: label
SELECT :1 AS "LABEL" FROM "DUAL"
