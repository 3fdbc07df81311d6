"""Command line: `domain-lsp check`, `catalog`, `init`, `rule`, `serve`: arguments here, the work in what they call."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from domain_lsp import __version__, baseline
from domain_lsp.report.color import CHOICES as COLOR_CHOICES
from domain_lsp.report.escape import printable  # stderr lands in CI logs too

if TYPE_CHECKING:
    from domain_lsp.report.model import CheckRun

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="domain-lsp", description="SQL and Python grounded in your team's schemas.")
    parser.add_argument("--version", action="version", version=f"domain-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "check",
        help="check files and print diagnostics",
        description="Check SQL files against the workspace's schemas and print diagnostics.",
        epilog="exit status: 0 no error found, 1 errors found, 2 usage, config or internal error. See docs/cli.md.",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the current folder); `-` reads stdin"
    )
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the file the text on stdin is (SQL or Python, its config, the path printed; default: stdin.sql)",
    )
    check.add_argument("--config", type=Path, metavar="FILE", help="use this config file instead of discovering one")
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github", "gitlab"),
        default="text",
        help="output format (default: text)",
    )
    check.add_argument(
        "--diff",
        metavar="REF",
        nargs="?",
        const="",
        help="report only diagnostics on lines added or changed since the merge base of REF and HEAD; "
        "with --fix and no REF: show the fixes as a unified diff, write nothing",
    )
    check.add_argument(
        "--fix", action="store_true", help="apply the fixes of findings that offer exactly one, then report the rest"
    )
    check.add_argument("--select", metavar="CODES", help="report only these codes (comma-separated)")
    check.add_argument("--ignore", metavar="CODES", help="never report these codes (comma-separated)")
    check.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="check in N processes (default: by CPUs and files; 1: no workers)"
    )
    check.add_argument("--shard", metavar="I/N", help="check only the I-th of N stable parts of the files (CI matrix)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found (2 still means 2)")
    check.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail closed on an incomplete environment: a declared package that is not installed is an error "
        "(the default when CI is set)",
    )
    check.add_argument(
        "--statistics", action="store_true", help="print how many findings of each code instead of the findings"
    )
    check.add_argument(
        "--output-file", "-o", type=Path, metavar="FILE", help="write the report to FILE (replaced at once), not stdout"
    )
    check.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the text format: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces), always, never",
    )
    baselines = check.add_mutually_exclusive_group()
    baselines.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="report only findings that FILE (from --write-baseline) does not have",
    )
    baselines.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record every finding in FILE, to report only new ones later",
    )
    add_trust_arguments(check)
    add_verbose_argument(check)

    catalog = commands.add_parser(
        "catalog",
        help="show the schema sources loaded: counts, problems, timings",
        description="Load the workspace's catalog and show each source, what it holds and what went wrong.",
        epilog="exit status: 0 every source loaded, 1 a source has problems, 2 usage or config error.",
    )
    catalog.add_argument("--config", type=Path, metavar="FILE", help="use this config file instead of discovering one")
    catalog.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    catalog.add_argument("--refresh", action="store_true", help="ignore the on-disk cache and read every source")
    add_trust_arguments(catalog)
    add_verbose_argument(catalog)

    rule = commands.add_parser(
        "rule",
        help="explain a diagnostic code",
        description="Print what a diagnostic code means, its severity and its fix; without CODE, list every code.",
        epilog="exit status: 0 printed, 2 unknown code.",
    )
    rule.add_argument("code", nargs="?", metavar="CODE", help="a code such as unknown-column")

    init = commands.add_parser(
        "init",
        help="write a domain-lsp.toml from what the folder holds",
        description="Write a commented domain-lsp.toml: the dialect guessed from the schema files, "
        "the schema globs and the inventory files found.",
        epilog="exit status: 0 written, 2 a config exists already (see --force) or the folder does not.",
    )
    init.add_argument(
        "folder", nargs="?", type=Path, metavar="FOLDER", help="the workspace (default: the current folder)"
    )
    init.add_argument("--force", action="store_true", help="replace an existing domain-lsp.toml")

    context = commands.add_parser(
        "context",
        help="print a Markdown brief of the domain for an assistant's instructions file",
        description="Print a compact Markdown brief of the workspace's domain (dialect, the tables its SQL uses "
        "most with their keys, deprecations, package policy) for AGENTS.md or .github/copilot-instructions.md.",
        epilog="exit status: 0 printed, 2 usage or config error.",
    )
    context.add_argument(
        "folder", nargs="?", type=Path, metavar="PATH", help="the workspace (default: the current folder)"
    )
    context.add_argument(
        "--max-chars",
        type=int,
        default=8000,
        metavar="N",
        help="cut the brief at N characters (default: 8000, at least 1000)",
    )
    add_trust_arguments(context)
    add_verbose_argument(context)

    commands.add_parser("serve", help="start the language server on stdio")
    mcp = commands.add_parser("mcp", help="serve the catalog and the checks to AI assistants (MCP on stdio)")
    mcp.add_argument("--root", type=Path, metavar="DIR", help="the workspace (default: the current folder)")
    add_trust_arguments(mcp)
    return parser


def add_trust_arguments(parser: argparse.ArgumentParser) -> None:
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument(
        "--trust",
        action="store_true",
        default=None,
        help="trust the workspace: its Python environment may run and its config may name hosts and secrets",
    )
    trust.add_argument(
        "--no-trust",
        "--no-probe",
        dest="trust",
        action="store_false",
        help="never trust it, whatever DOMAIN_LSP_TRUST or the user config say (the default in CI)",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="the interpreter whose installed packages count when the workspace is not trusted "
        "(default: the one domain-lsp runs in)",
    )


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print info logs and the libraries' own log lines on stderr (default: domain-lsp's warnings only)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from domain_lsp.server.server import serve

        serve()
        return EXIT_OK
    from domain_lsp.logs import configure as configure_logging
    from domain_lsp.trust import PYTHON_ENV, UserConfigError

    configure_logging(verbose=getattr(args, "verbose", False))
    if getattr(args, "python", None):  # not every command has it
        os.environ[PYTHON_ENV] = str(Path(args.python).expanduser().absolute())  # workers inherit it
    try:
        if args.command == "rule":
            return run_rule_command(args)
        if args.command == "init":
            return run_init_command(args)
        if args.command == "catalog":
            return run_catalog_command(args)
        if args.command == "context":
            return run_context_command(args)
        if args.command == "mcp":
            from domain_lsp.mcp.server import run

            return run(args.root or Path.cwd(), args.trust)
        return run_check_command(args)
    except UserConfigError as error:
        print(f"domain-lsp: user config error: {printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of ours: one line and exit 2, never a traceback read as "errors found"
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        print(f"domain-lsp: internal error: {printable(message)}; please report it", file=sys.stderr)
        return EXIT_USAGE


def _usage_error(message: str) -> int:
    print(f"domain-lsp: error: {printable(' '.join(message.split()))}", file=sys.stderr)
    return EXIT_USAGE


def _note(message: str) -> None:
    print(f"domain-lsp: {printable(message)}", file=sys.stderr)


def _reads_stdin(args: argparse.Namespace) -> bool:
    return bool(args.paths == [Path("-")] or (not args.paths and args.stdin_filename is not None))


def _check_usage(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments of `check` that no file needs to be read to know."""
    from_stdin = _reads_stdin(args)
    preview = args.diff == ""  # `--fix --diff`: no REF
    if preview and not args.fix:
        return "--diff needs a git revision (REF); with --fix, a bare --diff shows the fixes as a diff"
    if not from_stdin and Path("-") in args.paths:
        return "`-` (stdin) cannot be combined with other paths"
    if not from_stdin and args.stdin_filename is not None:
        return "--stdin-filename names the text read from stdin: give `-` as the only path"
    if from_stdin and ((args.diff and not preview) or args.shard is not None):
        return f"{'--shard' if args.shard is not None else '--diff'} cannot judge a text read from stdin"
    for path in [] if from_stdin else args.paths:
        if not path.exists():
            return f"no such file or folder: {path}"
    if args.config is not None and not args.config.is_file():
        return f"config file not found: {args.config}"
    if args.jobs is not None and args.jobs < 1:
        return f"--jobs must be at least 1, got {args.jobs}"
    if args.statistics and args.format not in ("text", "json"):
        return f"--statistics prints text or json, not {args.format}"
    for option, target in (("--output-file", args.output_file), ("--write-baseline", args.write_baseline)):
        if target is not None and (target.is_dir() or not target.parent.is_dir()):
            return f"{option}: cannot write {target}: not a file in an existing folder"
    return None


def _render(args: argparse.Namespace, run: CheckRun) -> str:
    from domain_lsp.report import github, gitlab, sarif, statistics
    from domain_lsp.report import json as json_report
    from domain_lsp.report import text as text_report
    from domain_lsp.report.color import Palette, wanted

    if args.statistics:
        return statistics.render_json(run) if args.format == "json" else statistics.render_text(run)
    if args.format == "text":
        # A file gets colour only when asked for: FORCE_COLOR is meant for a log, not a saved report.
        color = wanted(args.color, sys.stdout) if args.output_file is None else args.color == "always"
        return text_report.render(run, Palette(color))
    writers = {"json": json_report, "sarif": sarif, "github": github, "gitlab": gitlab}
    return writers[args.format].render(run)


def run_check_command(args: argparse.Namespace) -> int:
    from domain_lsp.check import Checker, parse_shard, run_check
    from domain_lsp.config import ConfigError
    from domain_lsp.gitdiff import DiffError
    from domain_lsp.policy import UnknownCode, parse_codes
    from domain_lsp.pool import WorkerCrashed
    from domain_lsp.stdin import check_text, read_stdin, stdin_path
    from domain_lsp.trust import in_ci

    problem = _check_usage(args)
    if problem is not None:
        return _usage_error(problem)
    codes: dict[str, tuple[str, ...] | None] = {"select": None, "ignore": ()}
    for option in codes:
        value = getattr(args, option)
        try:
            codes[option] = parse_codes(value) if value is not None else codes[option]
        except UnknownCode as error:
            return _usage_error(f"--{option}: {error}")
    try:
        shard = parse_shard(args.shard) if args.shard is not None else None
    except ValueError as error:
        return _usage_error(str(error))
    try:
        recorded = baseline.load(args.baseline) if args.baseline is not None else None
    except baseline.BaselineError as error:
        return _usage_error(str(error))
    from_stdin = _reads_stdin(args)
    stdin_bytes = read_stdin() if from_stdin else b""
    stdin_file = stdin_path(args.stdin_filename, Path.cwd())

    def check(text: bytes = stdin_bytes) -> CheckRun:
        if from_stdin:
            checker = Checker(args.config, Path.cwd(), codes["select"], codes["ignore"] or (), args.trust)
            return check_text(checker, stdin_file, text)
        return run_check(
            args.paths or [Path.cwd()],
            args.config,
            select=codes["select"],
            ignore=codes["ignore"] or (),
            jobs=args.jobs,
            shard=shard,
            diff=args.diff or None,
            trusted=args.trust,
            strict=args.strict if args.strict is not None else in_ci(),
        )

    try:
        run = check()
        if args.fix:
            return _fix(args, run, check, stdin_bytes if from_stdin else None, recorded)
    except ConfigError as error:
        print(f"domain-lsp: config error: {printable(str(error))}", file=sys.stderr)  # its keys are the workspace's
        return EXIT_USAGE
    except DiffError as error:
        if args.fix and args.diff and Path(args.diff).exists():
            hint = f"; `--diff {args.diff}` reads it as a git revision: put the paths before a bare --diff"
            return _usage_error(f"{error}{hint}")
        return _usage_error(str(error))
    except WorkerCrashed as error:
        return _usage_error(str(error))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return _report(args, run, recorded)


def _report(args: argparse.Namespace, run: CheckRun, recorded: Counter[baseline.Key] | None) -> int:
    """Print the report (of what the baseline does not have) and return the exit code."""
    from domain_lsp.output import emit, encode, write_atomic

    if args.write_baseline is not None:
        try:
            write_atomic(args.write_baseline, encode(baseline.render(run)))
        except OSError as error:
            return _usage_error(f"--write-baseline: cannot write {args.write_baseline}: {error.strerror or error}")
        recorded = baseline.keys(run)
        _note(f"wrote {sum(recorded.values())} findings to {args.write_baseline}")
    if recorded is not None:
        filtered = baseline.apply(run, recorded)
        run = filtered.run
        if args.baseline is not None and (filtered.matched or filtered.gone):
            gone = f"; {filtered.gone} no longer found (--write-baseline to drop them)" if filtered.gone else ""
            _note(f"{filtered.matched} findings in the baseline not shown{gone}")
    try:
        emit(_render(args, run), args.output_file)
    except OSError as error:
        return _usage_error(f"--output-file: cannot write {args.output_file}: {error.strerror or error}")
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if run.has_errors else EXIT_OK


def _fix(
    args: argparse.Namespace,
    run: CheckRun,
    check: Callable[[bytes], CheckRun],
    stdin_bytes: bytes | None,
    recorded: Counter[baseline.Key] | None,
) -> int:
    """`--fix`: write the fixes and report what remains; `--fix --diff`: show them, write nothing
    (exit 1 when there is something to fix). With stdin, the fixed text goes to stdout."""
    from domain_lsp import fix
    from domain_lsp.output import emit, emit_bytes

    plans = fix.plan_fixes(run)
    changes = any(plan.fixes for plan in plans)
    if args.diff == "":
        try:
            emit(fix.unified_diff(plans), args.output_file)
        except OSError as error:
            return _usage_error(f"--output-file: cannot write {args.output_file}: {error.strerror or error}")
        _note(fix.summary(plans, written=False))
        return EXIT_FINDINGS if changes and not args.exit_zero else EXIT_OK
    if stdin_bytes is not None:
        fixed = fix.fixed_bytes(plans[0], stdin_bytes) if changes else stdin_bytes
        after = check(fixed)
        try:
            emit_bytes(fixed, args.output_file)
        except OSError as error:
            return _usage_error(f"--output-file: cannot write {args.output_file}: {error.strerror or error}")
        _note(fix.summary(plans, written=True) + f"; {fix.remaining(after)}")
        return EXIT_FINDINGS if after.has_errors and not args.exit_zero else EXIT_OK
    for path, why in fix.apply(plans):
        _note(f"warning: {path}: {why}")
    if changes:
        run = check(b"")
    _note(fix.summary(plans, written=True))
    return _report(args, run, recorded)


def run_init_command(args: argparse.Namespace) -> int:
    from domain_lsp.config import CONFIG_FILE
    from domain_lsp.init import discover, existing_config, render, summary
    from domain_lsp.output import emit, encode, write_atomic

    root = args.folder if args.folder is not None else Path.cwd()
    if not root.is_dir():
        return _usage_error(f"init: no such folder: {root}")
    existing = existing_config(root)
    if existing is not None and not (args.force and existing.name == CONFIG_FILE):
        hint = "; --force replaces it" if existing.name == CONFIG_FILE else "; remove [tool.domain-lsp] from it first"
        return _usage_error(f"init: {existing} exists already{hint}")
    found = discover(root)
    target = root / CONFIG_FILE
    try:
        write_atomic(target, encode(render(found)))
    except OSError as error:
        return _usage_error(f"init: cannot write {target}: {error.strerror or error}")
    emit("".join(printable(line) + "\n" for line in summary(found, target).splitlines()))
    return EXIT_OK


def run_rule_command(args: argparse.Namespace) -> int:
    from domain_lsp.output import emit
    from domain_lsp.ruledoc import UnknownRule, render, render_list

    try:
        emit(render(args.code) if args.code is not None else render_list())
    except UnknownRule as error:
        print(f"domain-lsp: error: {printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def run_catalog_command(args: argparse.Namespace) -> int:
    from domain_lsp.analysis.sql.native import say_if_parser_missing
    from domain_lsp.catalog.load import load_catalog, missing_globs
    from domain_lsp.catalog.summary import render_json, render_text, summarize
    from domain_lsp.config import ConfigError, config_for, load_named_config
    from domain_lsp.trust import workspace_trusted

    if args.config is not None and not args.config.is_file():
        print(f"domain-lsp: error: config file not found: {args.config}", file=sys.stderr)
        return EXIT_USAGE
    try:
        config = load_named_config(args.config, Path.cwd()) if args.config is not None else config_for(Path.cwd())
        config = replace(config, trusted=workspace_trusted(config.root, args.trust))
        say_if_parser_missing(config.sql.dialect)
        loaded = load_catalog(config, use_cache=not args.refresh)
    except ConfigError as error:
        print(f"domain-lsp: config error: {printable(str(error))}", file=sys.stderr)  # its keys are the workspace's
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    summary = summarize(loaded, missing_globs(config) if config.path is not None else [])
    sys.stdout.write(render_json(summary) if args.format == "json" else render_text(summary))
    problems = any(source["problems"] for source in summary["sources"]) or summary["missing_globs"]
    return EXIT_FINDINGS if problems else EXIT_OK


def run_context_command(args: argparse.Namespace) -> int:
    from domain_lsp.analysis.sql.native import say_if_parser_missing
    from domain_lsp.catalog.load import load_catalog
    from domain_lsp.config import ConfigError, config_for
    from domain_lsp.context import MIN_MAX_CHARS, brief
    from domain_lsp.project import Project
    from domain_lsp.trust import workspace_trusted

    if args.max_chars < MIN_MAX_CHARS:
        return _usage_error(f"--max-chars must be at least {MIN_MAX_CHARS}, got {args.max_chars}")
    folder = args.folder or Path.cwd()
    if not folder.is_dir():
        return _usage_error(f"no such folder: {folder}")
    try:
        config = config_for(folder.resolve())
        config = replace(config, trusted=workspace_trusted(config.root, args.trust))
        say_if_parser_missing(config.sql.dialect)
        project = Project(config, load_catalog(config))
        text = brief(project, args.max_chars)
    except ConfigError as error:
        print(f"domain-lsp: config error: {printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(text)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
