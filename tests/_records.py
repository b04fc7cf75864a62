"""Trial records built by hand for the tests of the measures, tables and plots."""

from __future__ import annotations

import math

from typing import Any

from nnbench import DatasetSpec, NetworkSpec
from nnbench.core.fit import Fit
from nnbench.results.record import TrialRecord

#: The network label of every hand-made record (``NetworkSpec()``'s).
NET = NetworkSpec().label


def trial(trainer: str, seed: int = 0, *, dataset: str = "d", history: list | None = None,
          train: dict | None = None, test: dict | None = None, **fields: Any) -> TrialRecord:
    """A :class:`TrialRecord` of ``trainer`` on problem ``(dataset, NET)`` (its ``data_id`` is
    ``dataset`` unless given): ``best_cost`` is the history's lowest unless given;
    ``train``/``test`` are Fit fields; other fields as given."""
    history = [tuple(h) + (math.nan,) * (4 - len(h)) for h in (history or [])]  # work unknown
    fields.setdefault("data_id", dataset)
    fields.setdefault("best_cost", min((h[2] for h in history), default=None))
    fit = {k: (None if v is None else Fit.from_dict(v)) for k, v in (("train", train), ("test", test))}
    return TrialRecord(dataset=DatasetSpec(dataset), network=NetworkSpec(), sizes=(2, 2, 1), trainer=trainer,
                       seed=seed, history=history, **fit, **fields)


def tutorial_run(out: Any, seeds: int, trainers: str = "BFGS,Nelder-Mead,adam", max_evals: int = 200) -> Any:
    """Write ``out`` (a path): a real run of ``trainers`` on the tutorial problem (its 2-2-1
    network without biases), seeds ``0 .. seeds-1``, ``max_evals`` evaluations each; returns ``out``."""
    import nnbench

    suite = nnbench.Suite(problems=[(DatasetSpec("tutorial"), NetworkSpec((2,), bias=False))],
                          trainers=trainers, seeds=range(seeds), budget=nnbench.Budget(max_evals))
    nnbench.run(suite, out=out)
    return out
