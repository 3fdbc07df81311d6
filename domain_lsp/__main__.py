import sys

from domain_lsp.cli import main

sys.exit(main())
