"""Dialect lookups, cached: sqlglot builds tokenizer and parser tables per dialect class."""

from __future__ import annotations

import re
from functools import cache

from sqlglot.dialects.dialect import Dialect


@cache
def get_dialect(name: str) -> Dialect:
    return Dialect.get_or_raise(name or None)


# The schema an unqualified name resolves to when the dialect has a default one.
DEFAULT_SCHEMA: dict[str, str] = {"postgres": "public", "duckdb": "main", "sqlite": "main", "tsql": "dbo"}

# Schemas of system views that exist in every database of the dialect: never reported.
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "sys", "account_usage", "temp", "pg_temp"})
SYSTEM_TABLE_PREFIXES: dict[str, tuple[str, ...]] = {
    "postgres": ("pg_",),
    "sqlite": ("sqlite_",),
    "duckdb": ("duckdb_", "pg_", "sqlite_"),
}

# Columns every table has without declaring them.
PSEUDO_COLUMNS: dict[str, frozenset[str]] = {
    "postgres": frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"}),
    "sqlite": frozenset({"rowid", "oid", "_rowid_"}),
    "duckdb": frozenset({"rowid"}),
    "bigquery": frozenset({"_partitiontime", "_partitiondate", "_table_suffix", "_file_name"}),
    "snowflake": frozenset(
        {"metadata$filename", "metadata$file_row_number", "metadata$action", "metadata$isupdate", "metadata$row_id"}
    ),
}

# Dialects where `a.b` may read field b of a struct column a.
STRUCT_DIALECTS = frozenset(
    {"bigquery", "duckdb", "snowflake", "spark", "databricks", "hive", "trino", "presto", "athena", "clickhouse"}
)

# Call syntax the dialect's parser rewrites, so the engine's function catalog does not list it.
# Also functions of widely installed extensions, which the lists (read from a bare engine) lack:
# whether one is installed cannot be known, so their names are never reported.
SYNTAX_FUNCTIONS: dict[str, frozenset[str]] = {
    "duckdb": frozenset(
        "ifnull columns unpack try date interval grouping_id "
        # inet, spatial, excel, fts extensions (autoloaded)
        "host family netmask network broadcast text match_bm25 stem excel_text".split()
    ),
    # SQLite's table-valued functions are not in pragma_function_list.
    "sqlite": frozenset({"json_each", "json_tree", "generate_series", "dbstat", "fts5vocab"}),
    "postgres": frozenset(
        # pgcrypto, uuid-ossp, pg_trgm, fuzzystrmatch, unaccent, tablefunc, hstore, ltree, timescaledb
        "crypt gen_salt digest hmac gen_random_bytes armor dearmor encrypt decrypt "
        "similarity word_similarity strict_word_similarity show_trgm show_limit set_limit "
        "levenshtein levenshtein_less_equal soundex difference metaphone dmetaphone dmetaphone_alt "
        "unaccent crosstab normal_rand connectby hstore akeys avals skeys svals exist defined delete "
        "subpath subltree nlevel index lca text2ltree ltree2text earth_distance ll_to_earth earth_box "
        "time_bucket time_bucket_gapfill locf interpolate first last histogram".split()
    ),
}
# Families of functions named by a prefix: SQLite has a pragma_<name>() table for each PRAGMA;
# PostGIS and DuckDB's spatial extension name theirs st_*, pgcrypto pgp_*, uuid-ossp uuid_*.
SYNTAX_FUNCTION_PREFIXES: dict[str, tuple[str, ...]] = {
    "sqlite": ("pragma_",),
    "postgres": ("st_", "pgp_", "uuid_", "postgis_", "pg_stat_statements", "pgstat", "vector_", "l2_", "cosine_"),
    "duckdb": ("st_", "fts_", "h3_"),
}

# Dialects where a subquery in FROM may read the FROM items before it without LATERAL.
IMPLICIT_LATERAL = frozenset({"duckdb"})

# Dialects where `prefix_*` in FROM reads every table whose name starts with the prefix.
WILDCARD_TABLE_DIALECTS = frozenset({"bigquery"})

# Dialects that read a file named as a quoted table (`FROM 'data/*.parquet'`), and what such a
# name looks like: a path, a glob, a URL or a data file extension.
FILE_TABLE_DIALECTS = frozenset({"duckdb"})
FILE_NAME = re.compile(r"[/\\*]|\.(?:csv|tsv|parquet|json|jsonl|ndjson|txt|arrow|xlsx|db|gz|zst)$", re.IGNORECASE)

# SQL keywords that read a value without parentheses; sqlglot parses some of them as columns.
VALUE_KEYWORDS = frozenset(
    "user current_user session_user system_user current_role current_schema current_catalog current_database "
    "current_date current_time current_timestamp localtime localtimestamp sysdate systimestamp".split()
)

# Dialects whose scripts DECLARE variables that queries read by bare name.
SCRIPT_VARIABLE_DIALECTS = frozenset({"bigquery"})

# Dialects without lambdas, where sqlglot's reading of `f(x -> 'k')` as one is really JSON access.
NO_LAMBDA_DIALECTS = frozenset({"postgres", "sqlite", "mysql"})
