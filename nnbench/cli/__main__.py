"""``python -m nnbench.cli``: the ``nnbench`` command."""

import sys

from nnbench.cli.main import main

sys.exit(main())
