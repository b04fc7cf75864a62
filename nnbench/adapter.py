"""Plumbing for a trainer plugin that wraps an optimizer library (``LibraryTrain``, ``Tracked``): a public import path.

A thin re-export of :mod:`nnbench.contract.adapter`, where the code lives, kept as the stable path plugin
authors import (``from nnbench.adapter import ...``). Not deprecated: no warning is raised.
"""

from nnbench.contract.adapter import (
    DEFAULT_MAX_EVALS,
    SEED_RANGE,
    LibraryTrain,
    Outcome,
    Tracked,
    IMPORT_WARNINGS,
    import_library,
    library_version,
    seed_from,
)

__all__ = [
    "DEFAULT_MAX_EVALS", "SEED_RANGE", "LibraryTrain", "Outcome", "Tracked", "IMPORT_WARNINGS",
    "import_library", "library_version", "seed_from",
]
