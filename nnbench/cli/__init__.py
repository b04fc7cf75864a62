"""The ``nnbench`` command (:mod:`nnbench.cli.main`) and ``nnbench tutorial`` (:mod:`nnbench.cli.tutorial`)."""

from nnbench.cli.main import build_parser, command, default_suite, main, parse_option

__all__ = ["main", "command", "build_parser", "parse_option", "default_suite"]
