"""Datasets: the container, the CSV reader, the bundled data, preparation, and the one catalog.

The public face of the package (``from nnbench.datasets import Dataset, load, load_csv``);
each name lives in one module:

* :mod:`nnbench.datasets.dataset`: :class:`Dataset`, :func:`encode_labels`, :func:`retarget`;
* :mod:`nnbench.datasets.csv_reader`: :func:`load_csv`;
* :mod:`nnbench.datasets.bundled`: the bundled datasets (:data:`BUNDLED`);
* :mod:`nnbench.datasets.generated`: the generated datasets (:data:`GENERATED`,
  :class:`GeneratedDataset`: ``two_spirals``, ``parity:N``, ``encoder:N``, ``friedman1:N``);
* :mod:`nnbench.datasets.preparation`: :class:`DatasetSpec`;
* :mod:`nnbench.datasets.catalog`: :class:`Catalog`, :class:`DatasetEntry`, :class:`Source`,
  :func:`load`, and the one rule that reads ``NAME:N``.
"""

from nnbench.datasets.bundled import BUNDLED, DATASET_LOADERS, BundledDataset, bundled_names
from nnbench.datasets.catalog import BUILTIN_DATASETS, BUNDLED_CATALOG, Catalog, DatasetEntry, Source, load, takes_size
from nnbench.datasets.csv_reader import load_csv
from nnbench.datasets.dataset import MIN_CLASSES, MIN_ROWS, Dataset, encode_labels, retarget
from nnbench.datasets.generated import GENERATED, GeneratedDataset, encoder, friedman1, parity, two_spirals
from nnbench.datasets.preparation import DATASET_SPEC_CONSTRAINTS, STANDARDIZE, DatasetSpec

__all__ = ["BUILTIN_DATASETS", "BUNDLED", "BUNDLED_CATALOG", "DATASET_LOADERS", "DATASET_SPEC_CONSTRAINTS",
           "GENERATED", "MIN_CLASSES", "MIN_ROWS", "STANDARDIZE", "BundledDataset", "Catalog", "Dataset",
           "DatasetEntry", "DatasetSpec", "GeneratedDataset", "Source", "bundled_names", "encode_labels", "encoder",
           "friedman1", "load", "load_csv", "parity", "retarget", "takes_size", "two_spirals"]
