"""Keys, NOT NULL, comments' metadata and required filters read from DDL files."""

from __future__ import annotations

from pathlib import Path

from domain_lsp.catalog.model import Catalog, ForeignKey, Table
from domain_lsp.catalog.sources.ddl import load_ddl


def ddl_table(text: str, name: str, schema: str = "", dialect: str = "postgres") -> Table:
    catalog = Catalog()
    problems, retries = load_ddl(Path("s.sql"), text, catalog, dialect)
    assert (problems, retries) == ([], [])
    table = catalog.get(name, schema)
    assert table is not None
    return table


def not_null(table: Table) -> list[str]:
    return [c.name for c in table.columns.values() if c.not_null]


def test_inline_keys_references_and_not_null() -> None:
    table = ddl_table(
        """
        CREATE TABLE core.customer (
            customer_id int PRIMARY KEY,
            email text NOT NULL UNIQUE,
            region_id int REFERENCES core.region (region_id),
            parent_id int REFERENCES customer,
            note text NULL
        );
        """,
        "customer",
        "core",
    )
    assert table.primary_key == ("customer_id",)
    assert table.unique_keys == (("email",),)
    assert table.foreign_keys == (
        ForeignKey(("region_id",), "core.region", ("region_id",)),
        ForeignKey(("parent_id",), "customer", ()),
    )
    assert not_null(table) == ["customer_id", "email"]


def test_table_constraints_named_or_not() -> None:
    table = ddl_table(
        """
        CREATE TABLE sales.order_line (
            order_id int, line_no int, sku text, customer_id int,
            CONSTRAINT order_line_pk PRIMARY KEY (order_id, line_no),
            UNIQUE (sku, order_id),
            FOREIGN KEY (order_id) REFERENCES sales.orders (order_id) ON DELETE CASCADE,
            CONSTRAINT to_customer FOREIGN KEY (customer_id) REFERENCES core.customer,
            CONSTRAINT positive CHECK (line_no > 0)
        );
        """,
        "order_line",
        "sales",
    )
    assert table.primary_key == ("order_id", "line_no")
    assert table.unique_keys == (("sku", "order_id"),)
    assert table.foreign_keys == (
        ForeignKey(("order_id",), "sales.orders", ("order_id",)),
        ForeignKey(("customer_id",), "core.customer", ()),
    )
    assert not_null(table) == ["order_id", "line_no"]


def test_alter_table_adds_keys_and_changes_not_null() -> None:
    table = ddl_table(
        """
        CREATE TABLE orders (order_id int, customer_id int, code text, note text NOT NULL);
        ALTER TABLE orders ADD CONSTRAINT orders_pk PRIMARY KEY (order_id);
        ALTER TABLE ONLY orders ADD CONSTRAINT orders_customer_fk
            FOREIGN KEY (customer_id) REFERENCES core.customer (customer_id);
        ALTER TABLE orders ADD UNIQUE (code);
        ALTER TABLE orders ALTER COLUMN code SET NOT NULL;
        ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
        """,
        "orders",
    )
    assert table.primary_key == ("order_id",)
    assert table.unique_keys == (("code",),)
    assert table.foreign_keys == (ForeignKey(("customer_id",), "core.customer", ("customer_id",)),)
    assert not_null(table) == ["order_id", "code"]


def test_a_unique_index_is_a_key_unless_partial_or_over_expressions() -> None:
    table = ddl_table(
        """
        CREATE TABLE account (id int, email text, handle text, org int);
        CREATE UNIQUE INDEX account_email ON account (email);
        CREATE UNIQUE INDEX account_handle ON account (lower(handle));
        CREATE UNIQUE INDEX account_org ON account (org) WHERE org IS NOT NULL;
        CREATE INDEX account_any ON account (id);
        """,
        "account",
    )
    assert table.unique_keys == (("email",),)


def test_renaming_and_dropping_columns_carry_their_keys() -> None:
    table = ddl_table(
        """
        CREATE TABLE t (a int PRIMARY KEY, b int UNIQUE, c int REFERENCES other (x));
        ALTER TABLE t RENAME COLUMN a TO id;
        ALTER TABLE t DROP COLUMN b;
        """,
        "t",
    )
    assert table.primary_key == ("id",)
    id_column = table.column("id")
    assert id_column is not None and id_column.not_null
    assert table.unique_keys == ()
    assert table.foreign_keys == (ForeignKey(("c",), "other", ("x",)),)


def test_comments_carry_tags_and_deprecation_as_database_comments_do() -> None:
    table = ddl_table(
        """
        CREATE TABLE core.customer (
            customer_id int,
            email text,  -- contact address #pii
            legacy_code text
        );
        COMMENT ON TABLE core.customer IS 'DEPRECATED: use core.client';
        COMMENT ON COLUMN core.customer.legacy_code IS 'Deprecated. use customer_id #internal';
        """,
        "customer",
        "core",
    )
    assert (table.description, table.deprecated) == ("DEPRECATED: use core.client", "use core.client")
    email, legacy = table.column("email"), table.column("legacy_code")
    assert email is not None and (email.tags, email.deprecated) == (("pii",), None)
    assert legacy is not None and (legacy.tags, legacy.deprecated) == (("internal",), "use customer_id")
    current = table.column("customer_id")
    assert current is not None and (current.tags, current.deprecated) == ((), None)


def test_view_comments_and_bigquery_descriptions_carry_metadata_too() -> None:
    view = ddl_table(
        "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t; COMMENT ON VIEW v IS 'DEPRECATED: use t';", "v"
    )
    assert view.deprecated == "use t"
    table = ddl_table(
        "CREATE TABLE a.t (x INT64 OPTIONS(description = 'DEPRECATED: use y #pii'), y INT64)"
        " OPTIONS(description = 'Table t #finance');",
        "t",
        "a",
        "bigquery",
    )
    assert (table.description, table.tags) == ("Table t #finance", ("finance",))
    x = table.column("x")
    assert x is not None and (x.description, x.tags, x.deprecated) == ("DEPRECATED: use y #pii", ("pii",), "use y")


def test_bigquery_require_partition_filter() -> None:
    events = ddl_table(
        """
        CREATE TABLE analytics.events (event_date DATE, user_id INT64 NOT NULL)
        PARTITION BY event_date OPTIONS (require_partition_filter = TRUE);
        """,
        "events",
        "analytics",
        "bigquery",
    )
    assert events.required_filters == ("event_date",)
    assert not_null(events) == ["user_id"]
    by_day = ddl_table(
        "CREATE TABLE a.clicks (ts TIMESTAMP) PARTITION BY DATE(ts) OPTIONS (require_partition_filter = true);",
        "clicks",
        "a",
        "bigquery",
    )
    assert by_day.required_filters == ("ts",)
    optional = ddl_table(
        "CREATE TABLE a.views (ts TIMESTAMP) PARTITION BY DATE(ts) OPTIONS (require_partition_filter = FALSE);",
        "views",
        "a",
        "bigquery",
    )
    assert optional.required_filters == ()


def test_key_syntax_of_other_dialects() -> None:
    mysql = ddl_table(
        "CREATE TABLE t (id INT NOT NULL, u INT, PRIMARY KEY (id), UNIQUE KEY uk (u), KEY ix (u),"
        " CONSTRAINT f FOREIGN KEY (u) REFERENCES o (id));",
        "t",
        dialect="mysql",
    )
    assert (mysql.primary_key, mysql.unique_keys) == (("id",), (("u",),))
    assert mysql.foreign_keys == (ForeignKey(("u",), "o", ("id",)),)
    bigquery = ddl_table(
        "CREATE TABLE a.b (x INT64, PRIMARY KEY (x) NOT ENFORCED, FOREIGN KEY (x) REFERENCES a.c (y) NOT ENFORCED);",
        "b",
        "a",
        "bigquery",
    )
    assert (bigquery.primary_key, bigquery.foreign_keys) == (("x",), (ForeignKey(("x",), "a.c", ("y",)),))
    tsql = ddl_table(
        "CREATE TABLE dbo.t (a INT, b INT); ALTER TABLE dbo.t ADD CONSTRAINT pk PRIMARY KEY CLUSTERED (a, b);",
        "t",
        "dbo",
        "tsql",
    )
    assert tsql.primary_key == ("a", "b")
    sqlite = ddl_table(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, u TEXT UNIQUE NOT NULL, FOREIGN KEY (u) REFERENCES o(u));",
        "t",
        dialect="sqlite",
    )
    assert (sqlite.primary_key, sqlite.unique_keys) == (("id",), (("u",),))
    assert sqlite.foreign_keys == (ForeignKey(("u",), "o", ("u",)),)
    assert not_null(sqlite) == ["id", "u"]
    # SQLite lets a primary key column hold NULL, but for a rowid alias (INTEGER PRIMARY KEY)
    text_key = ddl_table("CREATE TABLE k (code TEXT PRIMARY KEY, n INT);", "k", dialect="sqlite")
    assert (text_key.primary_key, not_null(text_key)) == (("code",), [])
    assert not_null(ddl_table("CREATE TABLE k (code TEXT PRIMARY KEY, n INT);", "k")) == ["code"]
