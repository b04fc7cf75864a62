"""Datasets: the container, the CSV reader, the bundled data, preparation, and the one catalog.

The public face of the package (``from nnbench.datasets import Dataset, load, load_csv``);
each name lives in one module:

* :mod:`nnbench.datasets.dataset`: :class:`Dataset`, :func:`encode_labels`, :func:`retarget`;
* :mod:`nnbench.datasets.csv_reader`: :func:`load_csv`;
* :mod:`nnbench.datasets.bundled`: the bundled datasets (:data:`BUNDLED`);
* :mod:`nnbench.datasets.preparation`: :class:`DatasetSpec`;
* :mod:`nnbench.datasets.catalog`: :class:`Catalog`, :class:`DatasetEntry`, :func:`load`.
"""

from nnbench.datasets.bundled import BUNDLED, DATASET_LOADERS, BundledDataset, bundled_names
from nnbench.datasets.catalog import BUNDLED_CATALOG, Catalog, DatasetEntry, load
from nnbench.datasets.csv_reader import load_csv
from nnbench.datasets.dataset import MIN_CLASSES, MIN_ROWS, Dataset, encode_labels, retarget
from nnbench.datasets.preparation import DATASET_SPEC_CONSTRAINTS, STANDARDIZE, DatasetSpec

__all__ = ["BUNDLED", "BUNDLED_CATALOG", "DATASET_LOADERS", "DATASET_SPEC_CONSTRAINTS", "MIN_CLASSES", "MIN_ROWS",
           "STANDARDIZE", "BundledDataset", "Catalog", "Dataset", "DatasetEntry", "DatasetSpec", "bundled_names",
           "encode_labels", "load", "load_csv", "retarget"]
