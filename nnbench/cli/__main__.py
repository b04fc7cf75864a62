"""``python -m nnbench.cli``: the ``nnbench`` command."""

from nnbench.cli.main import command

command()
