"""How a trial's data is prepared: :class:`DatasetSpec` names the data, its target, its
standardization and its test split (the preparation itself is
:meth:`nnbench.datasets.catalog.Catalog.prepare`, with :meth:`Dataset.split` and
:meth:`Dataset.standardized`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from types import MappingProxyType
from typing import Any

from nnbench.errors import ConfigError
from nnbench.validation import InstanceOf, Interval, OneOf, check, strings

__all__ = ["DatasetSpec", "STANDARDIZE", "DATASET_SPEC_CONSTRAINTS"]

#: The standardizations a :class:`DatasetSpec` may ask for.
STANDARDIZE: tuple[str, ...] = ("none", "features", "all")


#: What each :class:`DatasetSpec` field takes (besides ``source`` and ``target``).
DATASET_SPEC_CONSTRAINTS: Mapping[str, list] = MappingProxyType({
    "standardize": [OneOf(*STANDARDIZE)],
    "test_size": [Interval(Real, 0, 1, closed="neither"), None],
    "split_seed": [Interval(Integral, 0, None, closed="left")],
    "delimiter": [InstanceOf(str)],
    "labels": [InstanceOf(bool)],
})


@dataclass(frozen=True)
class DatasetSpec:
    """Which data a trial trains on, and how it is prepared.

    :param source: a registered dataset name (``tutorial``, ``xor``, ``diabetes``, or one
        a plugin contributes) or a CSV path.
    :param target: target column name(s), default the dataset's own (a CSV's last column).
    :param standardize: ``"none"``, ``"features"`` (z-score X) or ``"all"`` (X and y), with
        the training part's statistics.
    :param test_size: fraction (0, 1) held out as a test split, or ``None``.
    :param split_seed: the seed of that split.
    :param delimiter: the CSV delimiter (for a path).
    :param labels: read a CSV's one target column as class labels (text or integers, one-hot
        encoded, :func:`nnbench.datasets.encode_labels`), not numbers; what a ``cross_entropy``
        network makes of a CSV (:func:`nnbench.running.suite.make_plan` sets it). A registered
        dataset has its own classes and ignores it.
    :raises ConfigError: a field of the wrong type or value, naming it
        (``DatasetSpec.standardize: must be one of 'none', 'features', 'all', got 'z'``).
    """

    source: str
    target: tuple[str, ...] | None = None
    standardize: str = "none"
    test_size: float | None = None
    split_seed: int = 0
    delimiter: str = ","
    labels: bool = False

    def __post_init__(self) -> None:
        source = os.fspath(self.source) if isinstance(self.source, os.PathLike) else self.source
        if not isinstance(source, str) or not source:
            body = f"must be a dataset name or a CSV path, got {self.source!r}"
            raise ConfigError(f"DatasetSpec.source: {body}", "source", body)
        object.__setattr__(self, "source", source)
        if self.target is not None:
            try:
                object.__setattr__(self, "target", tuple(strings(self.target, "DatasetSpec.target")))
            except ConfigError as exc:
                raise ConfigError(str(exc), "target", exc.body) from None
        for name, constraints in DATASET_SPEC_CONSTRAINTS.items():
            object.__setattr__(self, name, check(getattr(self, name), constraints, f"DatasetSpec.{name}", name))

    @property
    def label(self) -> str:
        """A short name for tables: the dataset's name (a CSV's file name without ``.csv``),
        plus how it was prepared (``"diabetes std=all test=0.2"``)."""
        return self.tagged_label(None)

    def tagged_label(self, tag: str | None) -> str:
        """:attr:`label` with ``#tag`` after the name (``"data#3f2a1c std=all"``): what tells
        two datasets of one label apart (:func:`nnbench.results.record.problem_labels` gives
        the tag, a prefix of their identity, only when it is needed).

        :param tag: the tag, or ``None`` for the plain :attr:`label`.
        """
        name = Path(self.source).stem if self.source.endswith(".csv") else self.source
        bits = [name if tag is None else f"{name}#{tag}"]
        if self.standardize != "none":
            bits.append(f"std={self.standardize}")
        if self.test_size:
            bits.append(f"test={self.test_size:g}")
        return " ".join(bits)

    def describe(self) -> dict:
        """Every field, JSON-ready (the inverse of :meth:`from_dict`); ``labels`` only when it is
        true (descriptions from before it existed are unchanged)."""
        d: dict[str, Any] = {"source": self.source, "target": list(self.target) if self.target else None,
                             "standardize": self.standardize, "test_size": self.test_size,
                             "split_seed": self.split_seed, "delimiter": self.delimiter}
        if self.labels:
            d["labels"] = True
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DatasetSpec:
        """The spec :meth:`describe` wrote; missing fields take their defaults.

        :raises ConfigError: a field of the wrong type or value.
        """
        known = ("source", "target", "standardize", "test_size", "split_seed", "delimiter", "labels")
        return cls(**{k: d[k] for k in known if k in d and d[k] is not None or k == "source"})
