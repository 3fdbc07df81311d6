# mypy: ignore-errors
# (Untyped on purpose: it must run unchanged on whatever Python the environment has.)
"""Run by the configured interpreter (`python -I -c <this file's text>`, from a folder outside
the workspace), never imported by domain-lsp: stdlib only. Reads questions as JSON on stdin,
prints answers as JSON on stdout.

It imports only modules that an installed distribution provides from site-packages (never a
workspace module, never the standard library), and answers whether they have a name.
"""

import importlib
import importlib.util
import json
import os
import sys
import sysconfig


def _installed(module):
    top = module.split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None) or ""
    locations = [*(getattr(spec, "submodule_search_locations", None) or []), origin]
    sites = [os.path.realpath(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")]
    return any(os.path.realpath(p).startswith(tuple(s + os.sep for s in sites)) for p in locations if p)


def main():
    questions = json.loads(sys.stdin.read())
    answers = []
    for module, name in questions:
        if not _installed(module):
            answers.append(None)
            continue
        try:
            answers.append(hasattr(importlib.import_module(module), name))
        except BaseException:  # an import that fails says nothing about the name
            answers.append(None)
    sys.stdout.write(json.dumps(answers))


if __name__ == "__main__":
    main()
