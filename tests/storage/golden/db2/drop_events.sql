-- db2/11.5 (qmark)
DROP TABLE "SP_EVENTS"
