"""The one registry of datasets, bundled and contributed by plugins, and loading by name or path.

:class:`Catalog` maps names to :class:`DatasetEntry` (a loader and the plugin that
contributed it); the plugin registry builds it from every ``nnbench_datasets`` hook
(:meth:`nnbench.contract.plugins.Registry.catalog`), and ``nnbench run``, suite files and
``nnbench list datasets`` read it. :func:`load` takes a bundled name (``tutorial``,
``xor``, ``diabetes``) or a CSV path. :meth:`Catalog.identity` says which data a
:class:`DatasetSpec` is, whatever its path is spelled: the identity that results files record
(``data_id``) and that resume, report and the problem of a trial go by.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from nnbench.datasets.bundled import BUNDLED, DATA_VERSION, DATASET_LOADERS
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

    Prepared data (:meth:`prepare`) and identities (:meth:`identity`) are cached per
    catalog, so a run loads and hashes each dataset once per process; a CSV file that
    changes (its size or modification time) is read again.

    :param entries: the :class:`DatasetEntry` of every dataset, names unique.
    """

    def __init__(self, entries: Iterable[DatasetEntry]) -> None:
        self._entries = {e.name: e for e in entries}
        self._prepared: dict[tuple[DatasetSpec, tuple | None], tuple[Dataset, Dataset | None]] = {}
        self._identities: dict[tuple[DatasetSpec, tuple | None], str] = {}

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

    def identity(self, spec: DatasetSpec) -> str:
        """Which data ``spec`` trains on, as prepared: the SHA-256 (64 hex digits) of a JSON
        description that holds

        * for a CSV file: the SHA-256 of the file's bytes, the target, the delimiter;
        * for a registered dataset (bundled, or generated by a plugin): its name and
          :data:`~nnbench.datasets.bundled.DATA_VERSION`, and the target;

        and, for both, the preparation (standardization, test fraction, split seed). The
        path is not part of it: ``data.csv``, ``./data.csv``, an absolute path, and a copy
        moved or renamed elsewhere are one dataset; a file with one byte changed is another.
        Computed once per spec and state of its file (:meth:`_version`) for the life of
        this catalog.

        :returns: the identity, 64 lowercase hex characters (the ``data_id`` of a trial record).
        :raises DatasetError: a source that is neither registered nor a readable file
            (``data.csv: no such file``).
        """
        key = (spec, self._version(spec))
        hit = self._identities.get(key)
        if hit is not None:
            return hit
        what: dict[str, object]
        if spec.source in self._entries:
            what = {"name": spec.source, "data_version": DATA_VERSION}
        else:
            self.check_source(spec.source, "dataset")
            what = {"sha256": _file_digest(spec.source), "delimiter": spec.delimiter}
        what.update(target=list(spec.target) if spec.target else None, standardize=spec.standardize,
                    test_size=spec.test_size, split_seed=spec.split_seed)
        ident = hashlib.sha256(json.dumps(what, sort_keys=True).encode("utf-8")).hexdigest()
        if key[1] is not None or spec.source in self._entries:
            self._identities[key] = ident
        return ident

    def _version(self, spec: DatasetSpec) -> tuple | None:
        """What the caches of a CSV's data are keyed by besides its spec: the file's real
        path, device, inode, size and modification time (``None`` for a registered dataset,
        or a file that cannot be looked at, which is then not cached)."""
        if spec.source in self._entries:
            return None
        try:
            st = os.stat(spec.source)
        except OSError:
            return None
        return (os.path.realpath(spec.source), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def prepare(self, spec: DatasetSpec) -> tuple[Dataset, Dataset | None]:
        """``(train, test)`` for ``spec``: loaded, split, standardized (``test`` is ``None``
        without a split); cached for the life of this catalog.

        :raises DatasetError: the data cannot be loaded or prepared.
        """
        key = (spec, self._version(spec))
        hit = self._prepared.get(key)
        if hit is not None:
            return hit
        data = self.load(spec.source, target=spec.target, delimiter=spec.delimiter)
        train, test = data.split(spec.test_size, spec.split_seed) if spec.test_size else (data, None)
        if spec.standardize != "none":
            ref = train
            train = train.standardized(target=spec.standardize == "all")
            if test is not None:
                test = test.standardized(reference=ref, target=spec.standardize == "all")
        self._prepared[key] = (train, test)
        return train, test


def _file_digest(path: str) -> str:
    """The SHA-256 hex digest of the bytes of the file at ``path``.

    :raises DatasetError: the file is missing or cannot be read.
    """
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


#: The bundled datasets alone, as a :class:`Catalog` (for :func:`load` and for code that
#: runs without plugins).
BUNDLED_CATALOG = Catalog(DatasetEntry(name, DATASET_LOADERS[name], "nnbench.contract.builtin") for name in BUNDLED)
