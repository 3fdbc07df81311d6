"""False positives on Spider's gold queries: every query in dev_gold.jsonl is valid SQLite
for its database, so any finding domain-lsp reports on one is a false positive.

    .venv/bin/python bench/spider_false_positives.py [SPIDER_DIR] [--show N]

SPIDER_DIR holds tables.json and dev_gold.jsonl (default /work/shared/data/spider).

It then measures the other side: in each query one column name is misspelled (the first name
token that is a column of the database and not a table or alias), and the run counts how
often exactly that token is reported as unknown-column.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.config import SqlSettings

DEFAULT_DIR = Path("/work/shared/data/spider")


def build_catalogs(tables_json: Path) -> dict[str, Catalog]:
    """One catalog per db_id, built from the original (case-preserving) names."""
    catalogs: dict[str, Catalog] = {}
    for db in json.loads(tables_json.read_text(encoding="utf-8")):
        tables = [Table(name) for name in db["table_names_original"]]
        for (table_index, column_name), column_type in zip(
            db["column_names_original"], db["column_types"], strict=True
        ):
            if table_index >= 0:  # index -1 is Spider's "*" pseudo column
                tables[table_index].add_column(Column(column_name, column_type))
        catalog = Catalog()
        for table in tables:
            catalog.add_table(table)
        catalogs[db["db_id"]] = catalog
    return catalogs


def misspell_a_column(query: str, catalog: Catalog) -> tuple[str, int, int] | None:
    """The query with its first column-name token misspelled, and that token's new offsets."""
    columns = {c.casefold() for t in catalog.tables() for c in t.column_names()}
    tables = {t.name.casefold() for t in catalog.tables()}
    tokens = get_dialect("sqlite").tokenizer().tokenize(query)
    aliases = {t.text.casefold() for prev, t in itertools.pairwise(tokens) if prev.text.upper() == "AS"}
    for prev, token in zip([None, *tokens], tokens, strict=False):
        name = token.text.casefold()
        if token.token_type.name != "VAR" or name not in columns or name in tables | aliases:
            continue
        if prev is not None and prev.text.upper() == "AS":
            continue
        start, end = token.start, token.end + 1
        if query[start:end].casefold() != name:
            continue  # a quoted name: leave it
        return query[:start] + query[start:end] + "_zz" + query[end:], start, end + 3
    return None


def recall(queries: list[dict[str, str]], catalogs: dict[str, Catalog], settings: SqlSettings) -> tuple[int, int]:
    mutated = found = 0
    for item in queries:
        catalog = catalogs[item["db_id"]]
        mutation = misspell_a_column(item["query"], catalog)
        if mutation is None:
            continue
        text, start, end = mutation
        mutated += 1
        findings = analyze_sql(text, catalog, settings).findings
        found += any(f.code == "unknown-column" and (f.start, f.end) == (start, end) for f in findings)
    return mutated, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spider_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--show", type=int, default=10, help="print up to N false positives")
    args = parser.parse_args(argv)
    tables_json, gold = args.spider_dir / "tables.json", args.spider_dir / "dev_gold.jsonl"
    if not tables_json.is_file() or not gold.is_file():
        print(f"skipped: {tables_json} or {gold} not found")
        return 0
    catalogs = build_catalogs(tables_json)
    queries = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = SqlSettings(dialect="sqlite")
    by_code: Counter[str] = Counter()
    flagged = 0
    examples: list[str] = []
    started = time.perf_counter()
    for item in queries:
        findings = analyze_sql(item["query"], catalogs[item["db_id"]], settings).findings
        if not findings:
            continue
        flagged += 1
        for finding in findings:
            by_code[finding.code] += 1
            if len(examples) < args.show:
                token = item["query"][finding.start : finding.end]
                examples.append(f"  [{item['db_id']}] {finding.code} `{token}`: {item['query']}")
    seconds = time.perf_counter() - started
    print(f"{'queries':<28}{len(queries):>8}")
    print(f"{'queries with findings':<28}{flagged:>8}")
    for code, count in sorted(by_code.items()):
        print(f"{'  false positives ' + code:<28}{count:>8}")
    print(f"{'seconds':<28}{seconds:>8.2f}")
    mutated, found = recall(queries, catalogs, settings)
    print(f"{'misspelled-column queries':<28}{mutated:>8}")
    print(f"{'  reported at the token':<28}{found:>8}")
    if examples:
        print("false positives:")
        print("\n".join(examples))
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
