import os
import sys

# `python -m domain_lsp` puts the current folder first on sys.path: a workspace file named like
# a module we import (tomllib.py, httpx.py) would shadow it and run. Drop that entry before
# importing anything else; the package itself is already imported.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from domain_lsp.cli import main

sys.exit(main())
