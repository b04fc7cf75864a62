"""The one registry of datasets, bundled and contributed by plugins, and loading by name or path.

:class:`Catalog` maps names to :class:`DatasetEntry` (a loader and the plugin that
contributed it); the plugin registry builds it from every ``nnbench_datasets`` hook
(:meth:`nnbench.contract.plugins.Registry.catalog`), and ``nnbench run``, suite files and
``nnbench list datasets`` read it. :func:`load` takes a bundled name (``tutorial``,
``xor``, ``diabetes``) or a CSV path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from nnbench.datasets.bundled import BUNDLED, DATASET_LOADERS
from nnbench.datasets.csv_reader import load_csv
from nnbench.datasets.dataset import Dataset, retarget
from nnbench.datasets.preparation import DatasetSpec
from nnbench.errors import DatasetError, did_you_mean

__all__ = ["Catalog", "DatasetEntry", "BUNDLED_CATALOG", "load"]


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or "." in text or os.path.exists(text)


def load(
    name_or_path: str | os.PathLike[str],
    target: str | Sequence[str] | None = None,
    delimiter: str = ",",
) -> Dataset:
    """Load a bundled dataset by name, or a CSV file by path.

    A bundled name wins over a file of the same name in the working directory. (Datasets
    that plugins contribute are loaded through :meth:`Catalog.load`, which the plugin
    registry builds; this function knows the bundled ones only.)

    :param name_or_path: ``"tutorial"``, ``"xor"``, ``"diabetes"``, or a CSV file path.
    :param target: the target column(s), as for :func:`load_csv`.
    :param delimiter: as for :func:`load_csv`.
    :returns: the :class:`Dataset`.
    :raises DatasetError: as for :func:`load_csv`; or a name that is neither bundled nor
        an existing file (the message lists the bundled names and the closest one).
    """
    return BUNDLED_CATALOG.load(name_or_path, target=target, delimiter=delimiter)


@dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: its name, the plugin that contributed it, and its loader.

    :param name: the name runs use (``--dataset NAME``).
    :param loader: a callable with no arguments returning a :class:`Dataset`.
    :param plugin: the plugin that contributed it (``"nnbench.contract.builtin"`` for the bundled ones).
    """

    name: str
    loader: Callable[[], Dataset]
    plugin: str = ""

    def load(self) -> Dataset:
        """Call the loader.

        :raises DatasetError: the loader raised, or returned something other than a
            :class:`Dataset`: one line naming the dataset and the plugin.
        """
        try:
            data = self.loader()
        except DatasetError:
            raise
        except Exception as exc:  # a third-party loader: report it with its name
            raise DatasetError(f"dataset {self.name!r} from plugin {self.plugin!r} failed to load: "
                               f"{type(exc).__name__}: {exc}") from None
        if not isinstance(data, Dataset):
            raise DatasetError(f"dataset {self.name!r} from plugin {self.plugin!r}: the loader returned "
                               f"{type(data).__name__}, not nnbench.datasets.Dataset")
        return data


class Catalog(Mapping[str, DatasetEntry]):
    """The registered datasets by name: the one registry that ``nnbench run``, suite files
    and ``nnbench list datasets`` read. The plugin registry builds it from every
    ``nnbench_datasets`` hook (:meth:`nnbench.contract.plugins.Registry.catalog`); :data:`BUNDLED_CATALOG`
    holds the bundled ones alone.

    Prepared data (:meth:`prepare`) is cached per catalog, so a run loads each dataset once
    per process.

    :param entries: the :class:`DatasetEntry` of every dataset, names unique.
    """

    def __init__(self, entries: Iterable[DatasetEntry]) -> None:
        self._entries = {e.name: e for e in entries}
        self._prepared: dict[DatasetSpec, tuple[Dataset, Dataset | None]] = {}

    def __getitem__(self, name: str) -> DatasetEntry:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def check_source(self, source: str, where: str = "--dataset") -> None:
        """Raise unless ``source`` is a registered name or looks like a CSV path.

        :raises DatasetError: ``"--dataset diabets: unknown dataset (did you mean diabetes?);
            registered: tutorial, xor, diabetes; a CSV file is a path"``.
        """
        if source in self._entries or _looks_like_path(source):
            return
        raise DatasetError(f"{where} {source}: unknown dataset{did_you_mean(source, self._entries)}; "
                           f"registered: {', '.join(self._entries)}; a CSV file is a path (data.csv, ./data)")

    def load(self, source: str | os.PathLike[str], target: str | Sequence[str] | None = None,
             delimiter: str = ",") -> Dataset:
        """The dataset called ``source``, or the CSV file at that path.

        :param target: target column name(s): for a CSV as :func:`load_csv`; for a
            registered dataset, columns to make its targets (:func:`retarget`).
        :param delimiter: for a CSV.
        :raises DatasetError: as :func:`load_csv`, :meth:`DatasetEntry.load` and
            :meth:`check_source` say.
        """
        text = os.fspath(source)
        if isinstance(source, str) and text in self._entries:
            return retarget(self._entries[text].load(), target)
        self.check_source(text, "dataset")
        return load_csv(source, target=target, delimiter=delimiter)

    def prepare(self, spec: DatasetSpec) -> tuple[Dataset, Dataset | None]:
        """``(train, test)`` for ``spec``: loaded, split, standardized (``test`` is ``None``
        without a split); cached for the life of this catalog.

        :raises DatasetError: the data cannot be loaded or prepared.
        """
        hit = self._prepared.get(spec)
        if hit is not None:
            return hit
        data = self.load(spec.source, target=spec.target, delimiter=spec.delimiter)
        train, test = data.split(spec.test_size, spec.split_seed) if spec.test_size else (data, None)
        if spec.standardize != "none":
            ref = train
            train = train.standardized(target=spec.standardize == "all")
            if test is not None:
                test = test.standardized(reference=ref, target=spec.standardize == "all")
        self._prepared[spec] = (train, test)
        return train, test


#: The bundled datasets alone, as a :class:`Catalog` (for :func:`load` and for code that
#: runs without plugins).
BUNDLED_CATALOG = Catalog(DatasetEntry(name, DATASET_LOADERS[name], "nnbench.contract.builtin") for name in BUNDLED)
