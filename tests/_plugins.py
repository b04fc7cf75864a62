"""Test plugins written to a temporary folder, importable by this process and its workers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def plugin_module(folder: Path, name: str, source: str) -> Iterator[str]:
    """Write ``source`` as module ``name`` in ``folder`` and put the folder on ``sys.path`` and
    ``PYTHONPATH`` (so that spawned worker processes import it too) until the block ends.

    :yields: the module's name, for ``-p`` or ``get_plugin_manager(extra=...)``.
    """
    (folder / f"{name}.py").write_text(source)
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(folder))
    mp.setenv("PYTHONPATH", str(folder) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        yield name
    finally:
        mp.undo()
