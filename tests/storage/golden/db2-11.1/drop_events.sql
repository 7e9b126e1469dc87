-- db2/11.1 (qmark)
DROP TABLE "SP_EVENTS"
