"""Query-side transforms (nulls, placeholders, booleans, paging, locking, quoting, JSON).

Each test is a sqlglot-style ``validate_all`` table: expected SQL per target.

Targets: ``sqlite``, ``postgres``, ``mysql`` (MariaDB 10.11), ``mysql/8.0``, ``oracle`` (19),
``oracle/23``, ``oracle:named``, ``db2`` (11.5), ``db2/11.1``. Expected refusals name the
construct.
"""

# Expected SQL is compared verbatim, one target per line; wrapping it would hide the diffs.
# ruff: noqa: E501

from __future__ import annotations

from spine.storage.sql import BIGINT, sql
from tests.unit.storage.helpers import Unsupported, assert_renders


def test_null_ordering_is_left_to_the_target() -> None:
    assert_renders(
        sql("SELECT id FROM runs ORDER BY created_at DESC, id"),
        {
            "sqlite": 'SELECT "id" FROM "runs" ORDER BY "created_at" DESC, "id"',
            "postgres": 'SELECT "id" FROM "runs" ORDER BY "created_at" DESC, "id"',
            "mysql": "SELECT `id` FROM `runs` ORDER BY `created_at` DESC, `id`",
            "mysql/8.0": "SELECT `id` FROM `runs` ORDER BY `created_at` DESC, `id`",
            "oracle": 'SELECT "ID" FROM "RUNS" ORDER BY "CREATED_AT" DESC, "ID"',
            "oracle/23": 'SELECT "ID" FROM "RUNS" ORDER BY "CREATED_AT" DESC, "ID"',
            "oracle:named": 'SELECT "ID" FROM "RUNS" ORDER BY "CREATED_AT" DESC, "ID"',
            "db2": 'SELECT "ID" FROM "RUNS" ORDER BY "CREATED_AT" DESC, "ID"',
            "db2/11.1": 'SELECT "ID" FROM "RUNS" ORDER BY "CREATED_AT" DESC, "ID"',
        },
    )


def test_explicit_null_ordering_is_kept_only_where_it_changes_the_order() -> None:
    assert_renders(
        sql("SELECT id FROM runs ORDER BY finished_at NULLS FIRST, id DESC NULLS LAST"),
        {
            "sqlite": 'SELECT "id" FROM "runs" ORDER BY "finished_at", "id" DESC',
            "postgres": 'SELECT "id" FROM "runs" ORDER BY "finished_at" NULLS FIRST, "id" DESC NULLS LAST',
            "mysql": "SELECT `id` FROM `runs` ORDER BY `finished_at`, `id` DESC",
            "mysql/8.0": "SELECT `id` FROM `runs` ORDER BY `finished_at`, `id` DESC",
            "oracle": 'SELECT "ID" FROM "RUNS" ORDER BY "FINISHED_AT" NULLS FIRST, "ID" DESC NULLS LAST',
            "oracle/23": 'SELECT "ID" FROM "RUNS" ORDER BY "FINISHED_AT" NULLS FIRST, "ID" DESC NULLS LAST',
            "oracle:named": 'SELECT "ID" FROM "RUNS" ORDER BY "FINISHED_AT" NULLS FIRST, "ID" DESC NULLS LAST',
            "db2": 'SELECT "ID" FROM "RUNS" ORDER BY "FINISHED_AT" NULLS FIRST, "ID" DESC NULLS LAST',
            "db2/11.1": 'SELECT "ID" FROM "RUNS" ORDER BY "FINISHED_AT" NULLS FIRST, "ID" DESC NULLS LAST',
        },
    )


def test_explicit_nulls_last_on_mysql_is_emulated() -> None:
    assert_renders(
        sql("SELECT id FROM runs ORDER BY finished_at NULLS LAST"),
        {
            "sqlite": 'SELECT "id" FROM "runs" ORDER BY "finished_at" NULLS LAST',
            "postgres": 'SELECT "id" FROM "runs" ORDER BY "finished_at"',
            "mysql": "SELECT `id` FROM `runs` ORDER BY CASE WHEN `finished_at` IS NULL THEN 1 ELSE 0 END, `finished_at`",
            "oracle": 'SELECT "ID" FROM "RUNS" ORDER BY "FINISHED_AT"',
        },
    )


def test_index_column_lists_carry_no_null_ordering() -> None:
    assert_renders(
        sql("CREATE INDEX ix_runs_state ON runs (state, created_at DESC)"),
        {
            "sqlite": 'CREATE INDEX "ix_runs_state" ON "runs"("state", "created_at" DESC)',
            "postgres": 'CREATE INDEX "ix_runs_state" ON "runs"("state", "created_at" DESC)',
            "mysql": "CREATE INDEX `ix_runs_state` ON `runs`(`state`, `created_at` DESC)",
            "mysql/8.0": "CREATE INDEX `ix_runs_state` ON `runs`(`state`, `created_at` DESC)",
            "oracle": 'CREATE INDEX "IX_RUNS_STATE" ON "RUNS"("STATE", "CREATED_AT" DESC)',
            "oracle/23": 'CREATE INDEX "IX_RUNS_STATE" ON "RUNS"("STATE", "CREATED_AT" DESC)',
            "oracle:named": 'CREATE INDEX "IX_RUNS_STATE" ON "RUNS"("STATE", "CREATED_AT" DESC)',
            "db2": 'CREATE INDEX "IX_RUNS_STATE" ON "RUNS"("STATE", "CREATED_AT" DESC)',
            "db2/11.1": 'CREATE INDEX "IX_RUNS_STATE" ON "RUNS"("STATE", "CREATED_AT" DESC)',
        },
    )


def test_explicit_nulls_in_an_index_is_refused_outside_postgres() -> None:
    assert_renders(
        sql("CREATE INDEX ix_runs_state ON runs (state NULLS FIRST)"),
        {
            "sqlite": Unsupported("NULLS FIRST/LAST in a key or index column list"),
            "postgres": 'CREATE INDEX "ix_runs_state" ON "runs"("state" NULLS FIRST)',
            "mysql": Unsupported("NULLS FIRST/LAST in a key or index column list"),
            "oracle": Unsupported("NULLS FIRST/LAST in a key or index column list"),
            "db2": Unsupported("NULLS FIRST/LAST in a key or index column list"),
        },
    )


def test_window_order_by_carries_no_null_ordering() -> None:
    assert_renders(
        sql("SELECT id, ROW_NUMBER() OVER (PARTITION BY state ORDER BY created_at) AS n FROM runs"),
        {
            "sqlite": 'SELECT "id", ROW_NUMBER() OVER (PARTITION BY "state" ORDER BY "created_at") AS "n" FROM "runs"',
            "mysql": "SELECT `id`, ROW_NUMBER() OVER (PARTITION BY `state` ORDER BY `created_at`) AS `n` FROM `runs`",
            "oracle": 'SELECT "ID", ROW_NUMBER() OVER (PARTITION BY "STATE" ORDER BY "CREATED_AT") AS "N" FROM "RUNS"',
        },
    )


def test_placeholders_follow_the_driver_paramstyle() -> None:
    assert_renders(
        sql("SELECT id FROM runs WHERE a = :x OR b = :x AND c LIKE '%z'"),
        {
            "sqlite": 'SELECT "id" FROM "runs" WHERE "a" = ? OR "b" = ? AND "c" LIKE \'%z\'',
            "postgres": 'SELECT "id" FROM "runs" WHERE "a" = %s OR "b" = %s AND "c" LIKE \'%%z\'',
            "mysql": "SELECT `id` FROM `runs` WHERE `a` = %s OR `b` = %s AND `c` LIKE '%%z'",
            "mysql/8.0": "SELECT `id` FROM `runs` WHERE `a` = %s OR `b` = %s AND `c` LIKE '%%z'",
            "oracle": 'SELECT "ID" FROM "RUNS" WHERE "A" = :1 OR "B" = :2 AND "C" LIKE \'%z\'',
            "oracle/23": 'SELECT "ID" FROM "RUNS" WHERE "A" = :1 OR "B" = :2 AND "C" LIKE \'%z\'',
            "oracle:named": 'SELECT "ID" FROM "RUNS" WHERE "A" = :x OR "B" = :x AND "C" LIKE \'%z\'',
            "db2": 'SELECT "ID" FROM "RUNS" WHERE "A" = ? OR "B" = ? AND "C" LIKE \'%z\'',
            "db2/11.1": 'SELECT "ID" FROM "RUNS" WHERE "A" = ? OR "B" = ? AND "C" LIKE \'%z\'',
        },
    )


def test_booleans_in_queries() -> None:
    assert_renders(
        sql(
            "SELECT id, attempts > 3 AS exhausted, TRUE AS t FROM runs WHERE active AND NOT deleted AND done IS NOT TRUE"
        ),
        {
            "sqlite": 'SELECT "id", "attempts" > 3 AS "exhausted", TRUE AS "t" FROM "runs" WHERE "active" AND NOT "deleted" AND NOT "done" IS TRUE',
            "postgres": 'SELECT "id", "attempts" > 3 AS "exhausted", TRUE AS "t" FROM "runs" WHERE "active" AND NOT "deleted" AND NOT "done" IS TRUE',
            "mysql": "SELECT `id`, `attempts` > 3 AS `exhausted`, TRUE AS `t` FROM `runs` WHERE `active` AND NOT `deleted` AND NOT `done` IS TRUE",
            "mysql/8.0": "SELECT `id`, `attempts` > 3 AS `exhausted`, TRUE AS `t` FROM `runs` WHERE `active` AND NOT `deleted` AND NOT `done` IS TRUE",
            "oracle": 'SELECT "ID", CASE WHEN "ATTEMPTS" > 3 THEN 1 ELSE 0 END AS "EXHAUSTED", 1 AS "T" FROM "RUNS" WHERE "ACTIVE" = 1 AND NOT ("DELETED" = 1) AND ("DONE" IS NULL OR "DONE" <> 1)',
            "oracle/23": 'SELECT "ID", "ATTEMPTS" > 3 AS "EXHAUSTED", TRUE AS "T" FROM "RUNS" WHERE "ACTIVE" AND NOT "DELETED" AND NOT "DONE" IS TRUE',
            "oracle:named": 'SELECT "ID", CASE WHEN "ATTEMPTS" > 3 THEN 1 ELSE 0 END AS "EXHAUSTED", 1 AS "T" FROM "RUNS" WHERE "ACTIVE" = 1 AND NOT ("DELETED" = 1) AND ("DONE" IS NULL OR "DONE" <> 1)',
            "db2": 'SELECT "ID", "ATTEMPTS" > 3 AS "EXHAUSTED", TRUE AS "T" FROM "RUNS" WHERE "ACTIVE" AND NOT "DELETED" AND NOT "DONE" IS TRUE',
            "db2/11.1": 'SELECT "ID", CASE WHEN "ATTEMPTS" > 3 THEN 1 ELSE 0 END AS "EXHAUSTED", 1 AS "T" FROM "RUNS" WHERE "ACTIVE" = 1 AND NOT ("DELETED" = 1) AND ("DONE" IS NULL OR "DONE" <> 1)',
        },
    )


def test_booleans_in_assignments() -> None:
    assert_renders(
        sql("UPDATE runs SET active = FALSE WHERE id = :id"),
        {
            "sqlite": 'UPDATE "runs" SET "active" = FALSE WHERE "id" = ?',
            "postgres": 'UPDATE "runs" SET "active" = FALSE WHERE "id" = %s',
            "mysql": "UPDATE `runs` SET `active` = FALSE WHERE `id` = %s",
            "mysql/8.0": "UPDATE `runs` SET `active` = FALSE WHERE `id` = %s",
            "oracle": 'UPDATE "RUNS" SET "ACTIVE" = 0 WHERE "ID" = :1',
            "oracle/23": 'UPDATE "RUNS" SET "ACTIVE" = FALSE WHERE "ID" = :1',
            "oracle:named": 'UPDATE "RUNS" SET "ACTIVE" = 0 WHERE "ID" = :id',
            "db2": 'UPDATE "RUNS" SET "ACTIVE" = FALSE WHERE "ID" = ?',
            "db2/11.1": 'UPDATE "RUNS" SET "ACTIVE" = 0 WHERE "ID" = ?',
        },
    )


def test_paging_with_parameters() -> None:
    assert_renders(
        sql("SELECT id FROM runs ORDER BY id LIMIT :limit OFFSET :offset"),
        {
            "sqlite": 'SELECT "id" FROM "runs" ORDER BY "id" LIMIT ? OFFSET ?',
            "postgres": 'SELECT "id" FROM "runs" ORDER BY "id" LIMIT %s OFFSET %s',
            "mysql": "SELECT `id` FROM `runs` ORDER BY `id` LIMIT %s OFFSET %s",
            "mysql/8.0": "SELECT `id` FROM `runs` ORDER BY `id` LIMIT %s OFFSET %s",
            "oracle": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET :1 ROWS FETCH NEXT :2 ROWS ONLY',
            "oracle/23": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET :1 ROWS FETCH NEXT :2 ROWS ONLY',
            "oracle:named": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET :offset ROWS FETCH NEXT :limit ROWS ONLY',
            "db2": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET ? ROWS FETCH NEXT ? ROWS ONLY',
            "db2/11.1": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET ? ROWS FETCH NEXT ? ROWS ONLY',
        },
    )


def test_paging_with_a_literal_limit() -> None:
    assert_renders(
        sql("SELECT id FROM runs ORDER BY id LIMIT 10"),
        {
            "sqlite": 'SELECT "id" FROM "runs" ORDER BY "id" LIMIT 10',
            "mysql": "SELECT `id` FROM `runs` ORDER BY `id` LIMIT 10",
            "oracle": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" FETCH FIRST 10 ROWS ONLY',
            "db2": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" FETCH FIRST 10 ROWS ONLY',
        },
    )


def test_offset_without_limit() -> None:
    assert_renders(
        sql("SELECT id FROM runs ORDER BY id OFFSET :offset"),
        {
            "sqlite": 'SELECT "id" FROM "runs" ORDER BY "id" LIMIT -1 OFFSET ?',
            "postgres": 'SELECT "id" FROM "runs" ORDER BY "id" OFFSET %s',
            "mysql": "SELECT `id` FROM `runs` ORDER BY `id` LIMIT 18446744073709551615 OFFSET %s",
            "oracle": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET :1 ROWS',
            "db2": 'SELECT "ID" FROM "RUNS" ORDER BY "ID" OFFSET ? ROWS',
        },
    )


def test_select_without_from_reads_the_dummy_table() -> None:
    assert_renders(
        sql("SELECT CURRENT_TIMESTAMP AS now"),
        {
            "sqlite": 'SELECT CURRENT_TIMESTAMP AS "now"',
            "postgres": 'SELECT CURRENT_TIMESTAMP AS "now"',
            "mysql": "SELECT CURRENT_TIMESTAMP() AS `now`",
            "oracle": 'SELECT CURRENT_TIMESTAMP AS "NOW" FROM "DUAL"',
            "db2": 'SELECT CURRENT TIMESTAMP AS "NOW" FROM "SYSIBM"."SYSDUMMY1"',
        },
    )


def test_db2_select_list_markers_are_typed() -> None:
    assert_renders(
        sql("SELECT :a AS a", param_types={"a": BIGINT}),
        {
            "postgres": 'SELECT %s AS "a"',
            "oracle": 'SELECT :1 AS "A" FROM "DUAL"',
            "db2": 'SELECT CAST(? AS BIGINT) AS "A" FROM "SYSIBM"."SYSDUMMY1"',
        },
    )


def test_identifiers_are_quoted_in_the_target_case() -> None:
    assert_renders(
        sql(
            'SELECT u.user, u.level, o.size FROM "user" AS u JOIN "order" AS o ON o.user_id = u.id WHERE u."Mixed" = :m'
        ),
        {
            "sqlite": 'SELECT "u"."user", "u"."level", "o"."size" FROM "user" AS "u" JOIN "order" AS "o" ON "o"."user_id" = "u"."id" WHERE "u"."Mixed" = ?',
            "postgres": 'SELECT "u"."user", "u"."level", "o"."size" FROM "user" AS "u" JOIN "order" AS "o" ON "o"."user_id" = "u"."id" WHERE "u"."Mixed" = %s',
            "mysql": "SELECT `u`.`user`, `u`.`level`, `o`.`size` FROM `user` AS `u` JOIN `order` AS `o` ON `o`.`user_id` = `u`.`id` WHERE `u`.`Mixed` = %s",
            "mysql/8.0": "SELECT `u`.`user`, `u`.`level`, `o`.`size` FROM `user` AS `u` JOIN `order` AS `o` ON `o`.`user_id` = `u`.`id` WHERE `u`.`Mixed` = %s",
            "oracle": 'SELECT "U"."USER", "U"."LEVEL", "O"."SIZE" FROM "USER" "U" JOIN "ORDER" "O" ON "O"."USER_ID" = "U"."ID" WHERE "U"."Mixed" = :1',
            "oracle/23": 'SELECT "U"."USER", "U"."LEVEL", "O"."SIZE" FROM "USER" "U" JOIN "ORDER" "O" ON "O"."USER_ID" = "U"."ID" WHERE "U"."Mixed" = :1',
            "oracle:named": 'SELECT "U"."USER", "U"."LEVEL", "O"."SIZE" FROM "USER" "U" JOIN "ORDER" "O" ON "O"."USER_ID" = "U"."ID" WHERE "U"."Mixed" = :m',
            "db2": 'SELECT "U"."USER", "U"."LEVEL", "O"."SIZE" FROM "USER" AS "U" JOIN "ORDER" AS "O" ON "O"."USER_ID" = "U"."ID" WHERE "U"."Mixed" = ?',
            "db2/11.1": 'SELECT "U"."USER", "U"."LEVEL", "O"."SIZE" FROM "USER" AS "U" JOIN "ORDER" AS "O" ON "O"."USER_ID" = "U"."ID" WHERE "U"."Mixed" = ?',
        },
    )


def test_locking_reads() -> None:
    assert_renders(
        sql("SELECT id FROM jobs WHERE state = :state FOR UPDATE SKIP LOCKED"),
        {
            "sqlite": Unsupported("Locking reads using 'FOR UPDATE/SHARE'"),
            "postgres": 'SELECT "id" FROM "jobs" WHERE "state" = %s FOR UPDATE SKIP LOCKED',
            "mysql": "SELECT `id` FROM `jobs` WHERE `state` = %s FOR UPDATE SKIP LOCKED",
            "mysql/8.0": "SELECT `id` FROM `jobs` WHERE `state` = %s FOR UPDATE SKIP LOCKED",
            "oracle": 'SELECT "ID" FROM "JOBS" WHERE "STATE" = :1 FOR UPDATE SKIP LOCKED',
            "oracle/23": 'SELECT "ID" FROM "JOBS" WHERE "STATE" = :1 FOR UPDATE SKIP LOCKED',
            "oracle:named": 'SELECT "ID" FROM "JOBS" WHERE "STATE" = :state FOR UPDATE SKIP LOCKED',
            "db2": 'SELECT "ID" FROM "JOBS" WHERE "STATE" = ? FOR UPDATE SKIP LOCKED DATA',
            "db2/11.1": 'SELECT "ID" FROM "JOBS" WHERE "STATE" = ? FOR UPDATE SKIP LOCKED DATA',
        },
    )


def test_locking_reads_with_order_and_limit() -> None:
    assert_renders(
        sql("SELECT id FROM jobs WHERE state = :state ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"),
        {
            "sqlite": Unsupported("Locking reads using 'FOR UPDATE/SHARE'"),
            "postgres": 'SELECT "id" FROM "jobs" WHERE "state" = %s ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED',
            "mysql": "SELECT `id` FROM `jobs` WHERE `state` = %s ORDER BY `id` LIMIT 1 FOR UPDATE SKIP LOCKED",
            "oracle": Unsupported("LIMIT/OFFSET with FOR UPDATE"),
            "db2": Unsupported("ORDER BY with FOR UPDATE"),
        },
    )


def test_nowait() -> None:
    assert_renders(
        sql("SELECT id FROM jobs FOR UPDATE NOWAIT"),
        {
            "sqlite": Unsupported("Locking reads using 'FOR UPDATE/SHARE'"),
            "postgres": 'SELECT "id" FROM "jobs" FOR UPDATE NOWAIT',
            "oracle": 'SELECT "ID" FROM "JOBS" FOR UPDATE NOWAIT',
            "db2": Unsupported("NOWAIT / WAIT n on a locking read"),
        },
    )


def test_json_access() -> None:
    assert_renders(
        sql("SELECT meta ->> 'k', meta -> 'a' ->> 'b', meta -> 'a' FROM runs"),
        {
            "sqlite": "SELECT \"meta\" ->> '$.k', \"meta\" -> '$.a' ->> '$.b', \"meta\" -> '$.a' FROM \"runs\"",
            "postgres": "SELECT \"meta\" ->> 'k', \"meta\" -> 'a' ->> 'b', \"meta\" -> 'a' FROM \"runs\"",
            "mysql": "SELECT JSON_VALUE(`meta`, '$.k'), JSON_VALUE(`meta`, '$.a.b'), JSON_EXTRACT(`meta`, '$.a') FROM `runs`",
            "oracle": 'SELECT JSON_VALUE("META", \'$.k\'), JSON_VALUE("META", \'$.a.b\'), JSON_QUERY("META", \'$.a\') FROM "RUNS"',
            "db2": 'SELECT JSON_VALUE("META", \'$.k\'), JSON_VALUE("META", \'$.a.b\'), JSON_QUERY("META", \'$.a\') FROM "RUNS"',
        },
    )


def test_oracle_named_binds_refuse_reserved_words() -> None:
    assert_renders(
        sql("SELECT id FROM runs WHERE level = :level"),
        {
            "oracle": 'SELECT "ID" FROM "RUNS" WHERE "LEVEL" = :1',
            "oracle:named": Unsupported("bind variable :level"),
        },
    )
