"""Check real third-party source trees installed in this environment with their own declared
dependencies as the inventory, and print every package/API finding: on correct, released code
each one is a false positive.

    .venv/bin/python bench/python_false_positives.py [distribution ...]

Each tree is linked into a throwaway workspace next to a requirements.txt written from the
distribution's Requires-Dist (extras included); the environment is this interpreter's.
"""

from __future__ import annotations

import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from domain_lsp.config import Config, PackageSettings, PythonSettings
from domain_lsp.project import Project

# Code that only runs inside a host tool (a test suite shipped in the wheel, a pytest plugin, a
# Sphinx extension): its imports are declared in the source repository's test/docs
# requirements, which wheel metadata does not carry. Counted apart so the rest stays honest.
HOSTED_PARTS = frozenset({"test", "tests", "testing", "benchmarks"})
HOSTED_STEMS = frozenset({"pytest_plugin", "sphinxext", "conftest"})


def hosted(line: str) -> bool:
    path = Path(line.split(":", 1)[0].strip())
    return bool(HOSTED_PARTS.intersection(path.parts[:-1])) or path.stem in HOSTED_STEMS


CODES = {"unknown-package", "undeclared-package", "denied-package", "unknown-attribute", "unknown-argument"}
DEFAULT = (
    "httpx",
    "jedi",
    "pygls",
    "sqlglot",
    "parso",
    "lsprotocol",
    "cattrs",
    "anyio",
    "pytest",
    "PyYAML",
    "pathspec",
    # widely used pure-Python libraries (issue 14: at least ten more), from the package registry
    "attrs",
    "h11",
    "httpcore",
    "idna",
    "jsonschema",
    "referencing",
    "pluggy",
    "platformdirs",
    "filelock",
    "Pygments",
    "sortedcontainers",
    "packaging",
    "hypothesis",
    "virtualenv",
)


def tree_of(distribution: str) -> tuple[list[Path], list[Path], list[str]]:
    dist = metadata.distribution(distribution)
    top = (dist.read_text("top_level.txt") or "").split()
    if not top:
        # No top_level.txt (hatchling, flit): the wheel's top-level folders and .py files.
        names = {str(f).split("/")[0] if "/" in str(f) else str(f).removesuffix(".py") for f in dist.files or ()}
        top = sorted(name for name in names if ".dist-info" not in name and ".data" not in name)
    site = Path(str(dist.locate_file("")))
    folders = [site / name for name in top if name.isidentifier() and (site / name).is_dir()]
    modules = [site / f"{name}.py" for name in top if (site / f"{name}.py").is_file()]
    return folders, modules, list(dist.requires or [])


def run(distribution: str) -> tuple[int, int, list[str], float]:
    folders, modules, requires = tree_of(distribution)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in folders:
            (root / folder.name).symlink_to(folder, target_is_directory=True)
        for module in modules:  # top-level modules of the tree (pytest's py.py)
            (root / module.name).symlink_to(module)
        (root / "requirements.txt").write_text("\n".join(requires) + "\n", encoding="utf-8")
        config = Config(
            root=root,
            packages=PackageSettings(inventory=("requirements.txt",)),
            python=PythonSettings(environment=sys.executable),
        )
        paths = [p for folder in folders for p in sorted((root / folder.name).rglob("*.py"))]
        return check_files(config, paths + [root / module.name for module in modules])


def check_files(config: Config, paths: list[Path]) -> tuple[int, int, list[str], float]:
    """Load the project and analyse `paths`: files, lines, the findings of CODES, seconds."""
    started = time.perf_counter()
    project = Project.load(config)
    lines = 0
    reported: list[str] = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += text.count("\n") + 1
        for finding in project.analyze(path, text):
            if finding.code in CODES:
                line = text.count("\n", 0, finding.start) + 1
                label = finding.effective_severity.label
                reported.append(f"  {path.relative_to(config.root)}:{line}: {label}[{finding.code}] {finding.message}")
    seconds = time.perf_counter() - started
    print(reader_stats(project))
    return len(paths), lines, reported, seconds


def reader_stats(project: Project) -> str:
    """How much the API rules could judge: modules read, and how many of them are closed
    (every name they can have is written in their files)."""
    reader = project.api_checker().symbols.reader
    read = [model for model in reader._modules.values() if model is not None]
    closed = sum(1 for model in read if model.closed)
    return f"  (modules: {len(read)} read, {closed} closed)"


def run_repository() -> tuple[int, int, list[str], float]:
    """This repository as a consumer of sqlglot, pygls, lsprotocol, yaml, pathspec, jedi, httpx:
    its pyproject.toml is the inventory; what jedi resolved is counted too."""
    root = Path(__file__).resolve().parents[1]
    config = Config(
        root=root,
        packages=PackageSettings(inventory=("pyproject.toml",)),
        python=PythonSettings(environment=sys.executable),
    )
    paths = [path for folder in ("domain_lsp", "tests", "bench") for path in sorted((root / folder).rglob("*.py"))]
    return check_files(config, paths)


def main(argv: list[str]) -> int:
    total_files = total_lines = total_findings = total_hosted = 0
    total_seconds = 0.0
    for distribution in [*(argv or DEFAULT), "(this repository)"]:
        if distribution == "(this repository)":
            files, lines, reported, seconds = run_repository()
        else:
            files, lines, reported, seconds = run(distribution)
        errors = [r for r in reported if "hint[" not in r and not hosted(r)]
        in_hosted = [r for r in reported if "hint[" not in r and hosted(r)]
        hints = len(reported) - len(errors) - len(in_hosted)
        print(
            f"{distribution}: {files} files, {lines} lines, {len(errors)} findings"
            f" (+{len(in_hosted)} in test suites/host plugins, +{hints} hints), {seconds:.1f} s,"
            f" {files / seconds if seconds else 0:.0f} files/s"
        )
        for line in reported:
            print(line)
        total_files += files
        total_lines += lines
        total_findings += len(errors)
        total_hosted += len(in_hosted)
        total_seconds += seconds
    print(
        f"total: {total_files} files, {total_lines} lines, {total_findings} findings"
        f" (+{total_hosted} in test suites/host plugins), {total_seconds:.1f} s,"
        f" {total_files / total_seconds if total_seconds else 0:.0f} files/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
