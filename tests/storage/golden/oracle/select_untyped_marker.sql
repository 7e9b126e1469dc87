-- oracle/19 (numeric)
-- params: label
SELECT :1 AS "LABEL" FROM "DUAL"
