"""The datasets shipped with nnbench, in ``nnbench/datasets/data/`` (sources and licenses in
its ``README.md``), read with :mod:`importlib.resources`, never the network; being small and
already in memory, by the strict CSV parser.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType

from nnbench.datasets.csv_reader import parse_csv
from nnbench.datasets.dataset import Dataset

__all__ = ["BundledDataset", "BUNDLED", "DATASET_LOADERS", "DATA_VERSION", "bundled_names"]

#: The version of the data nnbench ships and of how it makes data by name: part of the
#: identity of every registered (bundled or plugin-generated) dataset
#: (:meth:`nnbench.datasets.catalog.Catalog.identity`). Raise it when a bundled file, or the
#: way a named dataset is read or generated, changes, so that results of the old data never
#: resume, merge or compare with the new ones as if they were the same problem.
DATA_VERSION = 1


@dataclass(frozen=True, slots=True)
class BundledDataset:
    """A dataset shipped in ``nnbench/datasets/data/``.

    :param name: the name :func:`load` knows it by.
    :param filename: the CSV file under ``nnbench/datasets/data/``.
    :param description: one line for listings.
    :param source: the citation (also the loaded dataset's ``source``).
    """

    name: str
    filename: str
    description: str
    source: str

    def load(self, target: str | Sequence[str] | None = None, delimiter: str = ",") -> Dataset:
        """Read the bundled file with :mod:`importlib.resources` (never the network).

        :param target: as for :func:`load_csv`; default the file's last column.
        :param delimiter: as for :func:`load_csv`.
        :returns: the :class:`Dataset`, named ``self.name``.
        :raises DatasetError: as for :func:`load_csv` (only with a bad ``target``).
        """
        raw = (files("nnbench.datasets") / "data" / self.filename).read_bytes()
        where = f"nnbench/datasets/data/{self.filename}"
        return parse_csv(raw, where, target, delimiter, self.name, f"{self.source} ({where})")


BUNDLED: Mapping[str, BundledDataset] = MappingProxyType(
    {
        d.name: d
        for d in (
            BundledDataset(
                "tutorial",
                "data.csv",
                "the tutorial's 4 rows: x_1, x_2 -> y (1,0->1; 0,1->0; 1,1->0; 0,0->1)",
                "the scipy.optimize neural-network tutorial nnbench grew from",
            ),
            BundledDataset(
                "xor",
                "xor.csv",
                "exclusive or, 4 rows: x_1, x_2 -> y",
                "the XOR truth table (Minsky & Papert, 'Perceptrons', 1969)",
            ),
            BundledDataset(
                "diabetes",
                "diabetes.csv",
                "442 patients x 10 baseline values -> disease progression after one year",
                "Efron, Hastie, Johnstone & Tibshirani, 'Least Angle Regression', "
                "Annals of Statistics 32(2), 2004",
            ),
        )
    }
)
"""The bundled datasets by name (read-only)."""


def bundled_names() -> tuple[str, ...]:
    """Return the names of the bundled datasets, in :data:`BUNDLED` order."""
    return tuple(BUNDLED)


DATASET_LOADERS: dict[str, Callable[[], Dataset]] = {
    name: functools.partial(BUNDLED[name].load) for name in BUNDLED
}
"""Loaders of the bundled datasets by name, each called with no arguments (what nnbench's
own plugin contributes through the ``nnbench_datasets`` hook)."""
