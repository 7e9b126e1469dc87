"""Write-side transforms (upsert, RETURNING, DDL, existence guards, the '' policy).

Each test is a sqlglot-style ``validate_all`` table: expected SQL per target.

Targets: ``sqlite``, ``postgres``, ``mysql`` (MariaDB 10.11), ``mysql/8.0``, ``oracle`` (19),
``oracle/23``, ``oracle:named``, ``db2`` (11.5), ``db2/11.1``. Expected refusals name the
construct.
"""

# Expected SQL is compared verbatim, one target per line; wrapping it would hide the diffs.
# ruff: noqa: E501

from __future__ import annotations

from spine.storage.sql import BIGINT, sql, varchar
from tests.unit.storage.helpers import Unsupported, assert_renders

KV_TYPES = {"k": varchar(50), "v": BIGINT}


def test_upsert_from_canonical_text() -> None:
    assert_renders(
        sql(
            "INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
            param_types=KV_TYPES,
        ),
        {
            "sqlite": 'INSERT INTO "kv" ("k", "v") VALUES (?, ?) ON CONFLICT("k") DO UPDATE SET "v" = "excluded"."v"',
            "postgres": 'INSERT INTO "kv" ("k", "v") VALUES (%s, %s) ON CONFLICT("k") DO UPDATE SET "v" = "excluded"."v"',
            "mysql": "INSERT INTO `kv` (`k`, `v`) VALUES (%s, %s) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)",
            "mysql/8.0": "INSERT INTO `kv` (`k`, `v`) VALUES (%s, %s) AS `excluded` ON DUPLICATE KEY UPDATE `v` = `excluded`.`v`",
            "oracle": 'MERGE INTO "KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "oracle/23": 'MERGE INTO "KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "oracle:named": 'MERGE INTO "KV" "TGT" USING (SELECT :k AS "K", :v AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "db2": 'MERGE INTO "KV" AS "TGT" USING (VALUES (CAST(? AS VARCHAR(50 CODEUNITS32)), CAST(? AS BIGINT))) AS "SRC"("K", "V") ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "db2/11.1": 'MERGE INTO "KV" AS "TGT" USING (VALUES (CAST(? AS VARCHAR(50 CODEUNITS32)), CAST(? AS BIGINT))) AS "SRC"("K", "V") ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
        },
    )


def test_upsert_do_nothing() -> None:
    assert_renders(
        sql("INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO NOTHING", param_types=KV_TYPES),
        {
            "sqlite": 'INSERT INTO "kv" ("k", "v") VALUES (?, ?) ON CONFLICT("k") DO NOTHING',
            "postgres": 'INSERT INTO "kv" ("k", "v") VALUES (%s, %s) ON CONFLICT("k") DO NOTHING',
            "mysql": "INSERT INTO `kv` (`k`, `v`) VALUES (%s, %s) ON DUPLICATE KEY UPDATE `k` = `k`",
            "mysql/8.0": "INSERT INTO `kv` (`k`, `v`) VALUES (%s, %s) AS `excluded` ON DUPLICATE KEY UPDATE `k` = `k`",
            "oracle": 'MERGE INTO "KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "oracle/23": 'MERGE INTO "KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "oracle:named": 'MERGE INTO "KV" "TGT" USING (SELECT :k AS "K", :v AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "db2": 'MERGE INTO "KV" AS "TGT" USING (VALUES (CAST(? AS VARCHAR(50 CODEUNITS32)), CAST(? AS BIGINT))) AS "SRC"("K", "V") ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "db2/11.1": 'MERGE INTO "KV" AS "TGT" USING (VALUES (CAST(? AS VARCHAR(50 CODEUNITS32)), CAST(? AS BIGINT))) AS "SRC"("K", "V") ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
        },
    )


def test_upsert_with_expressions_requalifies_the_target() -> None:
    assert_renders(
        sql(
            "INSERT INTO counters (name, hits) VALUES (:name, 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + EXCLUDED.hits",
            param_types={"name": varchar(50)},
        ),
        {
            "mysql": "INSERT INTO `counters` (`name`, `hits`) VALUES (%s, 1) ON DUPLICATE KEY UPDATE `hits` = `counters`.`hits` + VALUES(`hits`)",
            "mysql/8.0": "INSERT INTO `counters` (`name`, `hits`) VALUES (%s, 1) AS `excluded` ON DUPLICATE KEY UPDATE `hits` = `counters`.`hits` + `excluded`.`hits`",
            "oracle": 'MERGE INTO "COUNTERS" "TGT" USING (SELECT :1 AS "NAME", 1 AS "HITS" FROM "DUAL") "SRC" ON ("TGT"."NAME" = "SRC"."NAME") WHEN MATCHED THEN UPDATE SET "HITS" = "TGT"."HITS" + "SRC"."HITS" WHEN NOT MATCHED THEN INSERT ("NAME", "HITS") VALUES ("SRC"."NAME", "SRC"."HITS")',
            "db2": 'MERGE INTO "COUNTERS" AS "TGT" USING (VALUES (CAST(? AS VARCHAR(50 CODEUNITS32)), 1)) AS "SRC"("NAME", "HITS") ON ("TGT"."NAME" = "SRC"."NAME") WHEN MATCHED THEN UPDATE SET "HITS" = "TGT"."HITS" + "SRC"."HITS" WHEN NOT MATCHED THEN INSERT ("NAME", "HITS") VALUES ("SRC"."NAME", "SRC"."HITS")',
        },
    )


def test_upsert_never_updates_the_merge_key() -> None:
    assert_renders(
        sql(
            "INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET k = EXCLUDED.k, v = EXCLUDED.v",
            param_types=KV_TYPES,
        ),
        {
            "oracle": 'MERGE INTO "KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
            "db2": 'MERGE INTO "KV" AS "TGT" USING (VALUES (CAST(? AS VARCHAR(50 CODEUNITS32)), CAST(? AS BIGINT))) AS "SRC"("K", "V") ON ("TGT"."K" = "SRC"."K") WHEN MATCHED THEN UPDATE SET "V" = "SRC"."V" WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
        },
    )


def test_upsert_refuses_assigning_the_key() -> None:
    assert_renders(
        sql(
            "INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET k = 'x'",
            param_types=KV_TYPES,
        ),
        {
            "oracle": Unsupported("updating the conflict key 'k' in a MERGE"),
            "db2": Unsupported("updating the conflict key 'k' in a MERGE"),
        },
    )


def test_upsert_where_only_where_it_exists() -> None:
    assert_renders(
        sql(
            "INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v WHERE kv.v < EXCLUDED.v",
            param_types=KV_TYPES,
        ),
        {
            "sqlite": 'INSERT INTO "kv" ("k", "v") VALUES (?, ?) ON CONFLICT("k") DO UPDATE SET "v" = "excluded"."v" WHERE "kv"."v" < "excluded"."v"',
            "postgres": 'INSERT INTO "kv" ("k", "v") VALUES (%s, %s) ON CONFLICT("k") DO UPDATE SET "v" = "excluded"."v" WHERE "kv"."v" < "excluded"."v"',
            "mysql": Unsupported("ON CONFLICT ... DO UPDATE ... WHERE"),
            "oracle": Unsupported("ON CONFLICT ... DO UPDATE ... WHERE"),
            "db2": Unsupported("ON CONFLICT ... DO UPDATE ... WHERE"),
        },
    )


def test_upsert_returning() -> None:
    assert_renders(
        sql(
            "INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v RETURNING v",
            param_types=KV_TYPES,
        ),
        {
            "sqlite": 'INSERT INTO "kv" ("k", "v") VALUES (?, ?) ON CONFLICT("k") DO UPDATE SET "v" = "excluded"."v" RETURNING "v"',
            "postgres": 'INSERT INTO "kv" ("k", "v") VALUES (%s, %s) ON CONFLICT("k") DO UPDATE SET "v" = "excluded"."v" RETURNING "v"',
            "mysql": "INSERT INTO `kv` (`k`, `v`) VALUES (%s, %s) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`) RETURNING `v`",
            "mysql/8.0": Unsupported("INSERT ... RETURNING"),
            "oracle": Unsupported("upsert with RETURNING"),
            "db2": Unsupported("upsert with RETURNING"),
        },
    )


def test_upsert_on_constraint_only_on_postgres() -> None:
    assert_renders(
        sql("INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT ON CONSTRAINT pk_kv DO NOTHING"),
        {
            "sqlite": Unsupported("ON CONFLICT ON CONSTRAINT"),
            "postgres": 'INSERT INTO "kv" ("k", "v") VALUES (%s, %s) ON CONFLICT ON CONSTRAINT "pk_kv" DO NOTHING',
            "mysql": Unsupported("ON CONFLICT ON CONSTRAINT"),
            "oracle": Unsupported("ON CONFLICT ON CONSTRAINT"),
            "db2": Unsupported("ON CONFLICT ON CONSTRAINT"),
        },
    )


def test_db2_merge_needs_parameter_types() -> None:
    assert_renders(
        sql("INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO NOTHING"),
        {
            "db2": Unsupported("untyped parameter :k in a MERGE source"),
            "oracle": 'MERGE INTO "KV" "TGT" USING (SELECT :1 AS "K", :2 AS "V" FROM "DUAL") "SRC" ON ("TGT"."K" = "SRC"."K") WHEN NOT MATCHED THEN INSERT ("K", "V") VALUES ("SRC"."K", "SRC"."V")',
        },
    )


def test_insert_returning() -> None:
    assert_renders(
        sql("INSERT INTO runs (name) VALUES (:name) RETURNING id, created_at"),
        {
            "sqlite": 'INSERT INTO "runs" ("name") VALUES (?) RETURNING "id", "created_at"',
            "postgres": 'INSERT INTO "runs" ("name") VALUES (%s) RETURNING "id", "created_at"',
            "mysql": "INSERT INTO `runs` (`name`) VALUES (%s) RETURNING `id`, `created_at`",
            "mysql/8.0": Unsupported("INSERT ... RETURNING"),
            "oracle": 'INSERT INTO "RUNS" ("NAME") VALUES (:1) RETURNING "ID", "CREATED_AT" INTO :2, :3',
            "oracle/23": 'INSERT INTO "RUNS" ("NAME") VALUES (:1) RETURNING "ID", "CREATED_AT" INTO :2, :3',
            "oracle:named": 'INSERT INTO "RUNS" ("NAME") VALUES (:name) RETURNING "ID", "CREATED_AT" INTO :id, :created_at',
            "db2": 'SELECT "ID", "CREATED_AT" FROM FINAL TABLE (INSERT INTO "RUNS" ("NAME") VALUES (?))',
            "db2/11.1": 'SELECT "ID", "CREATED_AT" FROM FINAL TABLE (INSERT INTO "RUNS" ("NAME") VALUES (?))',
        },
    )


def test_update_returning() -> None:
    assert_renders(
        sql("UPDATE runs SET name = :name WHERE id = :id RETURNING id, name"),
        {
            "sqlite": 'UPDATE "runs" SET "name" = ? WHERE "id" = ? RETURNING "id", "name"',
            "postgres": 'UPDATE "runs" SET "name" = %s WHERE "id" = %s RETURNING "id", "name"',
            "mysql": Unsupported("UPDATE ... RETURNING"),
            "mysql/8.0": Unsupported("UPDATE ... RETURNING"),
            "oracle": 'UPDATE "RUNS" SET "NAME" = :1 WHERE "ID" = :2 RETURNING "ID", "NAME" INTO :3, :4',
            "oracle/23": 'UPDATE "RUNS" SET "NAME" = :1 WHERE "ID" = :2 RETURNING "ID", "NAME" INTO :3, :4',
            "oracle:named": Unsupported("RETURNING id INTO :id while :id is also an input parameter"),
            "db2": 'SELECT "ID", "NAME" FROM FINAL TABLE (UPDATE "RUNS" SET "NAME" = ? WHERE "ID" = ?)',
            "db2/11.1": 'SELECT "ID", "NAME" FROM FINAL TABLE (UPDATE "RUNS" SET "NAME" = ? WHERE "ID" = ?)',
        },
    )


def test_delete_returning() -> None:
    assert_renders(
        sql("DELETE FROM runs WHERE id = :id RETURNING id"),
        {
            "sqlite": 'DELETE FROM "runs" WHERE "id" = ? RETURNING "id"',
            "postgres": 'DELETE FROM "runs" WHERE "id" = %s RETURNING "id"',
            "mysql": "DELETE FROM `runs` WHERE `id` = %s RETURNING `id`",
            "mysql/8.0": Unsupported("DELETE ... RETURNING"),
            "oracle": 'DELETE FROM "RUNS" WHERE "ID" = :1 RETURNING "ID" INTO :2',
            "oracle/23": 'DELETE FROM "RUNS" WHERE "ID" = :1 RETURNING "ID" INTO :2',
            "oracle:named": Unsupported("RETURNING id INTO :id while :id is also an input parameter"),
            "db2": 'SELECT "ID" FROM OLD TABLE (DELETE FROM "RUNS" WHERE "ID" = ?)',
            "db2/11.1": 'SELECT "ID" FROM OLD TABLE (DELETE FROM "RUNS" WHERE "ID" = ?)',
        },
    )


def test_oracle_returns_only_columns() -> None:
    assert_renders(
        sql("INSERT INTO runs (name) VALUES (:name) RETURNING id + 1"),
        {
            "postgres": 'INSERT INTO "runs" ("name") VALUES (%s) RETURNING "id" + 1',
            "oracle": Unsupported("RETURNING 'id + 1'"),
        },
    )


def test_empty_string_literals() -> None:
    assert_renders(
        sql("SELECT id FROM runs WHERE note = ''"),
        {
            "sqlite": 'SELECT "id" FROM "runs" WHERE "note" = \'\'',
            "postgres": 'SELECT "id" FROM "runs" WHERE "note" = \'\'',
            "mysql": "SELECT `id` FROM `runs` WHERE `note` = ''",
            "oracle": Unsupported("the empty string literal ''"),
            "oracle/23": Unsupported("the empty string literal ''"),
            "db2": 'SELECT "ID" FROM "RUNS" WHERE "NOTE" = \'\'',
        },
    )


def test_create_table_if_not_exists() -> None:
    assert_renders(
        sql("CREATE TABLE IF NOT EXISTS kv (k VARCHAR(50) NOT NULL PRIMARY KEY, v BIGINT)"),
        {
            "sqlite": 'CREATE TABLE IF NOT EXISTS "kv" ("k" TEXT NOT NULL PRIMARY KEY, "v" INTEGER)',
            "postgres": 'CREATE TABLE IF NOT EXISTS "kv" ("k" VARCHAR(50) NOT NULL PRIMARY KEY, "v" BIGINT)',
            "mysql": "CREATE TABLE IF NOT EXISTS `kv` (`k` VARCHAR(50) NOT NULL PRIMARY KEY, `v` BIGINT)",
            "mysql/8.0": "CREATE TABLE IF NOT EXISTS `kv` (`k` VARCHAR(50) NOT NULL PRIMARY KEY, `v` BIGINT)",
            "oracle": 'BEGIN\n  EXECUTE IMMEDIATE \'CREATE TABLE "KV" ("K" VARCHAR2(50 CHAR) NOT NULL PRIMARY KEY, "V" NUMBER(19))\';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN\n      RAISE;\n    END IF;\nEND;',
            "oracle/23": 'CREATE TABLE IF NOT EXISTS "KV" ("K" VARCHAR2(50 CHAR) NOT NULL PRIMARY KEY, "V" NUMBER(19))',
            "oracle:named": 'BEGIN\n  EXECUTE IMMEDIATE \'CREATE TABLE "KV" ("K" VARCHAR2(50 CHAR) NOT NULL PRIMARY KEY, "V" NUMBER(19))\';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN\n      RAISE;\n    END IF;\nEND;',
            "db2": 'BEGIN\n  DECLARE CONTINUE HANDLER FOR SQLSTATE \'42710\' BEGIN END;\n  EXECUTE IMMEDIATE \'CREATE TABLE "KV" ("K" VARCHAR(50 CODEUNITS32) NOT NULL PRIMARY KEY, "V" BIGINT)\';\nEND',
            "db2/11.1": 'BEGIN\n  DECLARE CONTINUE HANDLER FOR SQLSTATE \'42710\' BEGIN END;\n  EXECUTE IMMEDIATE \'CREATE TABLE "KV" ("K" VARCHAR(50 CODEUNITS32) NOT NULL PRIMARY KEY, "V" BIGINT)\';\nEND',
        },
    )


def test_drop_index_if_exists() -> None:
    assert_renders(
        sql("DROP INDEX IF EXISTS ix_kv_v"),
        {
            "postgres": 'DROP INDEX IF EXISTS "ix_kv_v"',
            "mysql": Unsupported("DROP INDEX without its table"),
            "oracle": "BEGIN\n  EXECUTE IMMEDIATE 'DROP INDEX \"IX_KV_V\"';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -1418 THEN\n      RAISE;\n    END IF;\nEND;",
            "oracle/23": 'DROP INDEX IF EXISTS "IX_KV_V"',
            "db2": "BEGIN\n  DECLARE CONTINUE HANDLER FOR SQLSTATE '42704' BEGIN END;\n  EXECUTE IMMEDIATE 'DROP INDEX \"IX_KV_V\"';\nEND",
        },
    )


def test_create_index_if_not_exists() -> None:
    assert_renders(
        sql("CREATE UNIQUE INDEX IF NOT EXISTS ux_kv_v ON kv (v)"),
        {
            "sqlite": 'CREATE UNIQUE INDEX IF NOT EXISTS "ux_kv_v" ON "kv"("v")',
            "mysql": "CREATE UNIQUE INDEX IF NOT EXISTS `ux_kv_v` ON `kv`(`v`)",
            "mysql/8.0": Unsupported("CREATE INDEX IF NOT EXISTS"),
            "oracle": 'BEGIN\n  EXECUTE IMMEDIATE \'CREATE UNIQUE INDEX "UX_KV_V" ON "KV"("V")\';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN\n      RAISE;\n    END IF;\nEND;',
            "db2": 'BEGIN\n  DECLARE CONTINUE HANDLER FOR SQLSTATE \'42710\' BEGIN END;\n  EXECUTE IMMEDIATE \'CREATE UNIQUE INDEX "UX_KV_V" ON "KV"("V")\';\nEND',
        },
    )


def test_identity_columns() -> None:
    assert_renders(
        sql(
            "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ok BOOLEAN NOT NULL DEFAULT TRUE)"
        ),
        {
            "sqlite": 'CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "ok" INTEGER NOT NULL DEFAULT TRUE)',
            "postgres": 'CREATE TABLE "t" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "ok" BOOLEAN NOT NULL DEFAULT TRUE)',
            "mysql": "CREATE TABLE `t` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `ok` BOOLEAN NOT NULL DEFAULT TRUE)",
            "mysql/8.0": "CREATE TABLE `t` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `ok` BOOLEAN NOT NULL DEFAULT TRUE)",
            "oracle": 'CREATE TABLE "T" ("ID" NUMBER(19) GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "OK" NUMBER(1) DEFAULT 1 NOT NULL CONSTRAINT "CK_T_OK" CHECK ("OK" IN (0, 1)))',
            "oracle/23": 'CREATE TABLE "T" ("ID" NUMBER(19) GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "OK" BOOLEAN DEFAULT TRUE NOT NULL)',
            "oracle:named": 'CREATE TABLE "T" ("ID" NUMBER(19) GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "OK" NUMBER(1) DEFAULT 1 NOT NULL CONSTRAINT "CK_T_OK" CHECK ("OK" IN (0, 1)))',
            "db2": 'CREATE TABLE "T" ("ID" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "OK" BOOLEAN NOT NULL DEFAULT TRUE)',
            "db2/11.1": 'CREATE TABLE "T" ("ID" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "OK" SMALLINT NOT NULL DEFAULT 1 CONSTRAINT "CK_T_OK" CHECK ("OK" IN (0, 1)))',
        },
    )
