# mypy: ignore-errors
# (Untyped on purpose: it must run unchanged on whatever Python the environment has.)
"""Run by the configured interpreter (`python -I -c <this file's text>`), never imported by
the server: stdlib only, must work on old Pythons, prints one JSON object on stdout.

It lists what the environment can import at top level and which distribution provides each
name, reading metadata only: no installed package is imported.
"""

import json
import os
import sys


def _top_levels(dist):
    text = dist.read_text("top_level.txt")
    if text:
        return sorted({line.strip().replace("/", ".").split(".")[0] for line in text.splitlines() if line.strip()})
    names = set()
    for file in dist.files or ():
        parts = str(file).replace("\\", "/").split("/")
        head = parts[0]
        if head.endswith((".dist-info", ".egg-info", ".data")) or head in ("..", "__pycache__", ""):
            continue
        if len(parts) > 1:
            names.add(head)
        elif head.endswith(".py"):
            names.add(head[:-3])
        elif head.endswith((".so", ".pyd")):
            names.add(head.split(".")[0])
        elif head.endswith(".pth") and head.startswith("__editable__"):
            pass
    return sorted(n for n in names if n.isidentifier())


def _modules_on(paths):
    found = set()
    for entry in paths:
        try:
            children = os.listdir(entry)
        except OSError:
            continue
        for child in children:
            full = os.path.join(entry, child)
            if child.endswith((".dist-info", ".egg-info")):
                continue
            if os.path.isdir(full):
                if child.isidentifier():
                    found.add(child)
            elif child.endswith(".py"):
                found.add(child[:-3])
            elif child.endswith((".so", ".pyd")):
                found.add(child.split(".")[0])
    return sorted(n for n in found if n.isidentifier())


def main():
    import sysconfig

    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8 has no importlib.metadata
        metadata = None
    stdlib = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
    if not getattr(sys, "stdlib_module_names", None):
        stdlib.update(_modules_on([sysconfig.get_paths()["stdlib"]]))
    site_dirs = []
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path and path not in site_dirs:
            site_dirs.append(path)
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    stdlib_dir = sysconfig.get_paths()["stdlib"]
    extra = [p for p in paths if p not in site_dirs and not p.startswith(stdlib_dir)]
    distributions = []
    if metadata is not None:
        for dist in metadata.distributions():
            name = dist.metadata["Name"]
            if not name:
                continue
            requires = []
            for requirement in dist.requires or ():
                marker = requirement.split(";", 1)[1] if ";" in requirement else ""
                if "extra" in marker:
                    continue  # an optional extra: not necessarily installed with it
                head = requirement.split(";")[0].strip()
                for stop in "[<>=!~ (@":
                    head = head.split(stop)[0]
                if head:
                    requires.append(head)
            distributions.append(
                {"name": name, "version": dist.version, "modules": _top_levels(dist), "requires": requires}
            )
    result = {
        "executable": sys.executable,
        "version": list(sys.version_info[:3]),
        "prefix": sys.prefix,
        "stdlib": sorted(stdlib),
        "stdlib_dir": stdlib_dir,
        "site_dirs": site_dirs + extra,
        "modules": _modules_on(site_dirs + extra),
        "distributions": distributions,
    }
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":  # `python -c` runs it as __main__; importing it does nothing
    main()
