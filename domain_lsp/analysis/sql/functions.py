"""Which functions a dialect has, for `unknown-function`.

The lists in function_lists/ were read from the real engines (scripts/gen_function_lists.py):
PostgreSQL's pg_proc, DuckDB's duckdb_functions(), SQLite's pragma_function_list. A dialect
without a list is not checked: guessing would report valid SQL.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# Function-call syntax that the grammar provides rather than the function catalog.
SYNTAX_FUNCTIONS = frozenset(
    "cast try_cast extract coalesce nullif greatest least exists any all some array row position "
    "substring overlay trim collate convert cube rollup grouping grouping_sets values interval "
    "filter within xmlelement xmlforest xmlattributes xmlparse xmlserialize xmlexists xmltable "
    "json_object json_array json_objectagg json_arrayagg json_table json_exists json_query json_value "
    "json_scalar json_serialize json merge_action normalize is_json".split()
)

# sqlglot's own spelling for dialects whose list goes by another name.
ALIASES = {"postgresql": "postgres"}


@cache
def known_functions(dialect: str) -> frozenset[str] | None:
    name = ALIASES.get(dialect, dialect)
    if not name:
        return None
    try:
        text = (
            resources.files(__package__).joinpath("function_lists").joinpath(f"{name}.txt").read_text(encoding="utf-8")
        )
    except (FileNotFoundError, OSError):
        return None
    return frozenset(text.split()) | SYNTAX_FUNCTIONS


@cache
def suggestion_pool(dialect: str) -> tuple[str, ...]:
    """Names worth suggesting: without PostgreSQL's internal operator functions (int4pl, ...)."""
    known = known_functions(dialect) or frozenset()
    return tuple(sorted(n for n in known if not n.startswith(("pg_", "_")) and not any(ch.isdigit() for ch in n)))


# What an assistant writes from another dialect, and what this dialect has instead.
EQUIVALENTS: dict[str, dict[str, tuple[str, str | None]]] = {
    "postgres": {
        "nvl": ("coalesce", "coalesce"),
        "ifnull": ("coalesce", "coalesce"),
        "isnull": ("coalesce", "coalesce"),
        "nvl2": ("CASE WHEN ... IS NOT NULL", None),
        "dateadd": ("`date + INTERVAL '1 day'`", None),
        "date_add": ("`date + INTERVAL '1 day'`", None),
        "datediff": ("`date_part` or date subtraction", None),
        "getdate": ("now", "now"),
        "sysdate": ("now", "now"),
        "len": ("length", "length"),
        "charindex": ("strpos", "strpos"),
        "instr": ("strpos", "strpos"),
        "to_varchar": ("to_char", "to_char"),
        "iff": ("CASE WHEN ... THEN ... ELSE ... END", None),
        "if": ("CASE WHEN ... THEN ... ELSE ... END", None),
        "listagg": ("string_agg", "string_agg"),
        "group_concat": ("string_agg", "string_agg"),
        "datepart": ("date_part", "date_part"),
    },
    "sqlite": {
        "nvl": ("ifnull", "ifnull"),
        "isnull": ("ifnull", "ifnull"),
        "len": ("length", "length"),
        "now": ("datetime('now')", None),
        "getdate": ("datetime('now')", None),
        "string_agg": ("group_concat", "group_concat"),
        "listagg": ("group_concat", "group_concat"),
        "dateadd": ("date(x, '+1 day')", None),
        "datediff": ("julianday(a) - julianday(b)", None),
        "concat_ws": ("the || operator", None),
        "to_char": ("strftime", "strftime"),
    },
    "duckdb": {
        "nvl": ("coalesce", "coalesce"),
        "isnull": ("coalesce", "coalesce"),
        "getdate": ("now", "now"),
        "sysdate": ("now", "now"),
        "dateadd": ("date_add", "date_add"),
        "charindex": ("strpos", "strpos"),
        "to_varchar": ("strftime", "strftime"),
        "iff": ("if", "if"),
    },
}


def equivalent(dialect: str, name: str) -> tuple[str, str | None] | None:
    """(what to say, replacement name or None) for a foreign function name."""
    return EQUIVALENTS.get(ALIASES.get(dialect, dialect), {}).get(name.casefold())
