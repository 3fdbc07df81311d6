"""The one table `make bench` prints (Markdown, so docs/performance.md can quote it as is)."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "completion p99 at 100,000 tables": "≤ 20 ms",
    "edit → diagnostics p95": "≤ 100 ms",
    "warm start at 100,000 tables": "≤ 1.5 s",
    "check, 2 processes": "≥ 500 SQL files/s",
    "RSS after 20,000 edits": "flat within 5 MB",
}


def _ms(summary: dict[str, Any] | None) -> str:
    if not summary:
        return "–"
    return f"{summary['p50_ms']:.0f} / {summary['p95_ms']:.0f} / {summary['p99_ms']:.0f}"


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} MB"


def _growth(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    return f"{entry['growth_mb']:+.1f} MB ({entry['before_mb']:.0f} → {entry['after_mb']:.0f} MB)"


def _start(start: dict[str, Any] | None) -> str:
    return f"{start['first_diagnostics_s']:.2f} s" if start else "–"


def _rate(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    if "skipped" in entry:
        return f"skipped: {entry['skipped']}"
    return f"{entry['files_per_s']:,.0f} files/s ({entry['files']:,} files, {entry['seconds']:.1f} s)"


def _inventory(inventory: dict[str, Any]) -> list[str]:
    """`check` on one file per uv.lock size (target 0.5 s at 5,000), and the idle server's CPU."""
    sizes = list(inventory.get("check", {}))
    lines = ["| package inventory (uv.lock) | " + " | ".join(f"{int(s):,} packages" for s in sizes) + " |"]
    lines.append("|---" * (len(sizes) + 1) + "|")
    cells = []
    for size in sizes:
        entry = inventory["check"][size]
        cells.append(entry.get("skipped") or f"{entry['seconds']:.2f} s ({entry['lock_mb']} MB)")
    lines.append("| check one .py file (median; target ≤ 0.5 s at 5,000) | " + " | ".join(cells) + " |")
    idle = inventory.get("idle")
    if idle:
        lines.append(
            f"| idle server, a source down, {idle['packages']:,} packages (target ≤ 1 CPU-s/min) "
            f"| {idle['cpu_s_per_min']:.2f} CPU-s/min over {idle['seconds']} s |" + " |" * max(len(sizes) - 1, 0)
        )
    lines.append("")
    return lines


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    server: dict[str, Any] = results.get("server", {})
    if server:
        sizes = list(server)
        lines.append("| server (p50 / p95 / p99 ms) | " + " | ".join(f"{int(s):,} tables" for s in sizes) + " |")
        lines.append("|---" * (len(sizes) + 1) + "|")
        rows: list[tuple[str, Any]] = []
        for part, label in (("completion_sql", "SQL file"), ("completion_python", "Python file")):
            for context in ("after FROM", "after alias.", "SELECT list"):
                rows.append((f"completion, {label}, {context}", lambda r, p=part, c=context: _ms(r[p].get(c))))
        for mode, what in (
            ("replace", "a digit replaced"),
            ("insert", "a space typed or deleted"),
            ("burst", "last of 4 keys 20 ms apart"),
        ):
            rows.append(
                (f"edit → diagnostics, {what}", lambda r, m=mode: _ms((r.get("edit_to_diagnostics") or {}).get(m)))
            )
        rows.append(("start → first diagnostics, cold", lambda r: _start(r.get("start_cold"))))
        rows.append(("start → first diagnostics, warm cache (median of 3)", lambda r: _start(r.get("start_warm"))))
        rows.append(("peak RSS (cold start, then all of the above)", lambda r: _mb(r.get("peak_rss_mb"))))
        rows.append(("peak RSS (warm start to first diagnostics)", lambda r: _mb(r.get("peak_rss_warm_mb"))))
        rows.append(
            ("RSS after 20,000 edits (growth; target: flat within 5 MB)", lambda r: _growth(r.get("rss_after_edits")))
        )
        for label, cell in rows:
            lines.append(f"| {label} | " + " | ".join(cell(server[s]) for s in sizes) + " |")
        lines.append("")
    inventory: dict[str, Any] = results.get("inventory", {})
    if inventory:
        lines.extend(_inventory(inventory))
    check: dict[str, Any] = results.get("check", {})
    others: dict[str, Any] = results.get("others", {})
    if check or others:
        lines.append("| headless check | throughput | ratio |")
        lines.append("|---|---|---|")
        for name, entry in check.items():
            lines.append(f"| domain-lsp check, {name.replace('_', ', ')} | {_rate(entry)} | |")
        pairs = (
            ("sqlglot_parse", "sqlglot parse only (floor, in-process)", "sql_jobs1"),
            ("sqlfluff", "sqlfluff lint, 2 processes", "ours_on_sqlfluff_subset"),
            ("postgrestools", "postgrestools check (live PostgreSQL)", "ours_on_postgrestools_subset"),
        )
        for key, label, ours_key in pairs:
            entry = others.get(key)
            if entry is None:
                continue
            ours = others.get(ours_key) or check.get(ours_key)
            ratio = ""
            if ours and "files_per_s" in ours and "files_per_s" in entry:
                ratio = f"domain-lsp (2 processes) is {ours['files_per_s'] / entry['files_per_s']:.1f}× this"
                if key == "sqlglot_parse":
                    ratio = f"domain-lsp (1 process) runs at {ours['files_per_s'] / entry['files_per_s']:.2f}× this"
            if ours_key in others:
                lines.append(f"| domain-lsp check on the same files, 2 processes | {_rate(ours)} | |")
            lines.append(f"| {label} | {_rate(entry)} | {ratio} |")
        slowest = (others.get("deep_sql") or {}).get("slowest")
        if slowest:
            where = f"{slowest['form']}, {slowest['dialect'] or 'generic'}, {slowest['outcome']}"
            lines.append(
                f"| slowest statement class of the deep-SQL fuzz (30 KB each) | {slowest['ms_per_kb']:.0f} ms/KB ({where}) | |"
            )
    return "\n".join(lines)
