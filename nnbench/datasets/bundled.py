"""The datasets shipped with nnbench, in ``nnbench/datasets/data/`` (sources and licenses in
its ``README.md``, one section each in ``docs/problems.md``), read with
:mod:`importlib.resources`, never the network; being small and already in memory, by the
strict CSV parser. Three are regression data (``tutorial``, ``xor``, ``diabetes``), four are
classification data whose last column is a class label (``iris``, ``wine``,
``breast_cancer``, ``digits``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType

from nnbench.datasets.csv_reader import parse_csv
from nnbench.datasets.dataset import Dataset, retarget

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
    :param labels: the file's last column holds class labels (text): the dataset is a
        classification one, ``y`` their one-hot code and ``classes`` set (``load_csv(...,
        labels=True)``); ``False`` for numeric targets.
    """

    name: str
    filename: str
    description: str
    source: str
    labels: bool = False

    def load(self, target: str | Sequence[str] | None = None, delimiter: str = ",") -> Dataset:
        """Read the bundled file with :mod:`importlib.resources` (never the network).

        :param target: as for :func:`load_csv`; default the file's last column. For a file
            of class labels, other columns are chosen after reading (:func:`retarget`: the
            label column's one-hot code then joins the features, and the dataset is no
            longer a classification one).
        :param delimiter: as for :func:`load_csv`.
        :returns: the :class:`Dataset`, named ``self.name``; with :attr:`labels` and the
            default target, ``classes`` set and ``y`` of shape ``(rows, classes)``.
        :raises DatasetError: as for :func:`load_csv` and :func:`retarget` (only with a bad
            ``target``).
        """
        raw = (files("nnbench.datasets") / "data" / self.filename).read_bytes()
        where = f"nnbench/datasets/data/{self.filename}"
        source = f"{self.source} ({where})"
        if self.labels:
            return retarget(parse_csv(raw, where, None, delimiter, self.name, source, labels=True), target)
        return parse_csv(raw, where, target, delimiter, self.name, source)


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
            BundledDataset(
                "iris",
                "iris.csv",
                "150 iris flowers x 4 measurements (cm) -> species: setosa, versicolor, virginica",
                "Fisher, 'The use of multiple measurements in taxonomic problems', Annals of Eugenics 7(2), "
                "1936; UCI Machine Learning Repository, doi:10.24432/C56C76, CC BY 4.0",
                labels=True,
            ),
            BundledDataset(
                "wine",
                "wine.csv",
                "178 Italian wines x 13 chemical measurements -> cultivar: 1, 2, 3",
                "Forina et al., PARVUS, Genoa, 1988; Aeberhard, Coomans & de Vel, 1992; UCI Machine Learning "
                "Repository, doi:10.24432/C5PC7J, CC BY 4.0",
                labels=True,
            ),
            BundledDataset(
                "breast_cancer",
                "breast_cancer.csv",
                "569 breast masses x 30 cell-nucleus features -> diagnosis: benign, malignant",
                "Street, Wolberg & Mangasarian, 'Nuclear feature extraction for breast tumor diagnosis', "
                "SPIE 1905, 1993; UCI Machine Learning Repository, doi:10.24432/C5DW2B, CC BY 4.0",
                labels=True,
            ),
            BundledDataset(
                "digits",
                "digits.csv",
                "1797 handwritten digits x 64 pixel counts (8x8, 0-16) -> digit: 0 .. 9",
                "Alpaydin & Kaynak, 'Optical Recognition of Handwritten Digits' (its test set), 1998; UCI Machine "
                "Learning Repository, doi:10.24432/C50P49, CC BY 4.0",
                labels=True,
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
