"""The one registry of datasets, bundled, generated and contributed by plugins, and the one
rule that reads a dataset source.

:class:`Catalog` maps names to :class:`DatasetEntry` (a loader and the plugin that
contributed it); the plugin registry builds it from every ``nnbench_datasets`` hook
(:meth:`nnbench.contract.plugins.Registry.catalog`), and ``nnbench run``, suite files and
``nnbench list datasets`` read it. :func:`load` takes one of nnbench's own datasets (a
bundled name such as ``diabetes``, a generated one such as ``two_spirals`` or ``parity:8``)
or a CSV path.

A source is read by :meth:`Catalog.parse`, the one place the rule lives (:meth:`Catalog.load`,
:meth:`Catalog.check_source` and so every :class:`DatasetSpec` a catalog prepares follow it):

1. a registered name is that dataset (a loader that takes a size needs one: ``parity`` alone
   is an error naming its sizes);
2. ``NAME:N`` is dataset ``NAME`` of size ``N`` when ``NAME`` is registered and its loader
   takes a size (:attr:`DatasetEntry.takes_size`); ``N`` is decimal digits, checked against
   the sizes a :class:`~nnbench.datasets.generated.GeneratedDataset` declares;
3. anything else is a CSV path if it looks like one (``/``, ``\\``, ``.`` or an existing
   file), so ``C:\\data\\x.csv`` and ``data:1.csv`` stay paths; else an unknown name.
:meth:`Catalog.identity` says which data a :class:`DatasetSpec` is, whatever its path is
spelled: the identity that results files record (``data_id``) and that resume, report and the
problem of a trial go by.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from nnbench.datasets.bundled import DATA_VERSION, DATASET_LOADERS
from nnbench.datasets.csv_reader import load_csv
from nnbench.datasets.dataset import Dataset, retarget
from nnbench.datasets.generated import GENERATED, GeneratedDataset, size_error
from nnbench.datasets.preparation import DatasetSpec
from nnbench.errors import DatasetError, did_you_mean

__all__ = ["Catalog", "DatasetEntry", "Source", "BUILTIN_DATASETS", "BUNDLED_CATALOG", "load", "takes_size"]

#: The size after the colon of ``NAME:N``: decimal digits.
_SIZE = re.compile(r"[0-9]+")


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or os.sep in text or "." in text or os.path.exists(text)


def takes_size(loader: Callable[..., Dataset]) -> bool:
    """Whether a dataset loader takes a size: its signature has exactly one parameter without
    a default, a positional one (conventionally ``n``); a loader all of whose parameters
    have defaults (or that has none) is called with no arguments.

    :param loader: a callable from a ``nnbench_datasets`` hook.
    :returns: ``True`` for ``def load(n)`` or a :class:`GeneratedDataset`; ``False`` for
        ``def load()`` or one whose signature cannot be read.
    """
    try:
        params = inspect.signature(loader).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [p for p in params if p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    return len(required) == 1 and required[0].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                       inspect.Parameter.POSITIONAL_OR_KEYWORD)


def load(
    name_or_path: str | os.PathLike[str],
    target: str | Sequence[str] | None = None,
    delimiter: str = ",",
) -> Dataset:
    """Load one of nnbench's own datasets by name, or a CSV file by path.

    A registered name wins over a file of the same name in the working directory. (Datasets
    that plugins contribute are loaded through :meth:`Catalog.load`, which the plugin
    registry builds; this function knows nnbench's own, :data:`BUILTIN_DATASETS`.)

    :param name_or_path: a bundled name (``"tutorial"``, ``"iris"``, ...), a generated one
        (``"two_spirals"``, ``"parity:8"``, ``"encoder:8"``, ``"friedman1:1000"``), or a CSV
        file path.
    :param target: the target column(s), as for :func:`load_csv`.
    :param delimiter: as for :func:`load_csv`.
    :returns: the :class:`Dataset`.
    :raises DatasetError: as for :func:`load_csv`; a bad size (:meth:`Catalog.parse`); or a
        name that is neither registered nor an existing file (the message lists the
        registered names and the closest one).
    """
    return BUNDLED_CATALOG.load(name_or_path, target=target, delimiter=delimiter)


@dataclass(frozen=True, slots=True)
class Source:
    """What a dataset source names, by the catalog's one rule (:meth:`Catalog.parse`).

    :param text: the source as given (``"parity:8"``, ``"data.csv"``).
    :param name: the registered dataset it names, or ``None`` for a CSV path.
    :param size: the size after the colon, for a loader that takes one; else ``None``.
    """

    text: str
    name: str | None
    size: int | None = None

    @property
    def is_path(self) -> bool:
        """Whether the source is a CSV path rather than a registered dataset."""
        return self.name is None


@dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: its name, the plugin that contributed it, and its loader.

    :param name: the name runs use (``--dataset NAME``, or ``NAME:N`` for a loader that
        takes a size).
    :param loader: a callable returning a :class:`Dataset`, with no arguments, or with one,
        the size (:func:`takes_size`).
    :param plugin: the plugin that contributed it (``"nnbench.contract.builtin"`` for nnbench's own).
    """

    name: str
    loader: Callable[..., Dataset]
    plugin: str = ""

    @property
    def takes_size(self) -> bool:
        """Whether the loader takes a size (:func:`takes_size`): the dataset is used as ``NAME:N``."""
        return takes_size(self.loader)

    @property
    def sizes(self) -> str | None:
        """The sizes it takes, for messages and listings (``"2 <= N <= 16"``): those a
        :class:`GeneratedDataset` declares, ``"N a whole number"`` for another loader that
        takes a size, ``None`` for one that takes none."""
        if isinstance(self.loader, GeneratedDataset):
            return self.loader.sizes
        return "N a whole number" if self.takes_size else None

    def check_size(self, size: int | str | None, where: str) -> int | None:
        """The size to call the loader with, from what followed the colon (``None``: no colon).

        :param size: an ``int``, the text after the colon (decimal digits), or ``None``.
        :param where: what was given, to start the message (``"--dataset parity:20"``).
        :returns: the ``int`` size, or ``None`` for a loader that takes none.
        :raises DatasetError: a size for a loader that takes none; no size, or one that is not
            decimal digits or not among the declared sizes, for one that takes a size.
        """
        if not self.takes_size:
            if size is not None:
                raise DatasetError(f"{where}: {self.name} takes no size; use {self.name}")
            return None
        if isinstance(size, str):
            if not _SIZE.fullmatch(size):
                raise size_error(where, self.name, self.sizes or "", size)
            size = int(size)
        if size is None:
            raise size_error(where, self.name, self.sizes or "", None)
        if isinstance(self.loader, GeneratedDataset):
            self.loader.check(size, where)
        return size

    def load(self, size: int | None = None) -> Dataset:
        """Call the loader, with ``size`` if it takes one.

        :raises DatasetError: a bad ``size`` (:meth:`check_size`); the loader raised, or
            returned something other than a :class:`Dataset`: one line naming the dataset
            and the plugin.
        """
        n = self.check_size(size, f"dataset {self.name}" + ("" if size is None else f":{size}"))
        try:
            data = self.loader() if n is None else self.loader(n)
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

    def parse(self, source: str, where: str = "dataset") -> Source:
        """Read ``source`` by the one rule of the module docstring: a registered dataset (with
        its size, for ``NAME:N``) or a CSV path.

        :param source: a dataset name, ``NAME:N``, or a path.
        :param where: what to start an error with (``"--dataset"``, ``"datasets.d.source"``).
        :returns: the :class:`Source`; for a path, without looking at the file.
        :raises DatasetError: ``"--dataset parity:20: parity:N takes 2 <= N <= 16, got 20"``
            (a bad size, or none for a loader that needs one); ``"--dataset iris:3: iris takes
            no size; use iris"``; ``"--dataset diabets: unknown dataset (did you mean
            diabetes?); registered: tutorial, ..., parity:N, ...; a CSV file is a path
            (data.csv, ./data)"``.
        """
        here = f"{where} {source}"
        entry = self._entries.get(source)
        if entry is not None:
            return Source(source, source, entry.check_size(None, here))
        name, colon, size = source.partition(":")
        entry = self._entries.get(name) if colon else None
        if entry is not None and (entry.takes_size or not os.path.exists(source)):
            return Source(source, name, entry.check_size(size, here))
        if _looks_like_path(source):
            return Source(source, None)
        listed = [f"{n}:N" if e.takes_size else n for n, e in self._entries.items()]
        raise DatasetError(f"{here}: unknown dataset{did_you_mean(name if colon else source, self._entries)}; "
                           f"registered: {', '.join(listed)}; a CSV file is a path (data.csv, ./data)")

    def check_source(self, source: str, where: str = "--dataset") -> None:
        """Raise unless ``source`` names a registered dataset (with a good size) or looks like
        a CSV path (:meth:`parse`).

        :raises DatasetError: as :meth:`parse` says.
        """
        self.parse(source, where)

    def load(self, source: str | os.PathLike[str], target: str | Sequence[str] | None = None,
             delimiter: str = ",", labels: bool = False) -> Dataset:
        """The dataset ``source`` names (:meth:`parse`), or the CSV file at that path.

        :param target: target column name(s): for a CSV as :func:`load_csv`; for a
            registered dataset, columns to make its targets (:func:`retarget`).
        :param delimiter: for a CSV.
        :param labels: for a CSV, read its one target column as class labels
            (:func:`load_csv`'s ``labels``); a registered dataset ignores it.
        :raises DatasetError: as :func:`load_csv`, :meth:`DatasetEntry.load` and
            :meth:`parse` say.
        """
        if not isinstance(source, str):
            return load_csv(source, target=target, delimiter=delimiter, labels=labels)
        found = self.parse(source, "dataset")
        if found.name is None:
            return load_csv(source, target=target, delimiter=delimiter, labels=labels)
        return retarget(self._entries[found.name].load(found.size), target)

    def identity(self, spec: DatasetSpec) -> str:
        """Which data ``spec`` trains on, as prepared: the SHA-256 (64 hex digits) of a JSON
        description that holds

        * for a CSV file: the SHA-256 of the file's bytes, the target, the delimiter, and
          whether the target is read as class labels;
        * for a registered dataset (bundled, or generated by a plugin): its name, its size for
          ``NAME:N`` (as a number: ``parity:08`` is ``parity:8``),
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
        source = self.parse(spec.source, "dataset")
        if source.name is not None:  # registered: a name and its size, as parsed (parity:08 is parity:8)
            what = {"name": source.name, "data_version": DATA_VERSION}
            if source.size is not None:
                what["size"] = source.size
        else:
            what = {"sha256": _file_digest(spec.source), "delimiter": spec.delimiter}
            if spec.labels:  # the target read as class labels: other data than its numbers
                what["labels"] = True
        what.update(target=list(spec.target) if spec.target else None, standardize=spec.standardize,
                    test_size=spec.test_size, split_seed=spec.split_seed)
        ident = hashlib.sha256(json.dumps(what, sort_keys=True).encode("utf-8")).hexdigest()
        if key[1] is not None or source.name is not None:
            self._identities[key] = ident
        return ident

    def _version(self, spec: DatasetSpec) -> tuple | None:
        """What the caches of a CSV's data are keyed by besides its spec: the file's real
        path, device, inode, size and modification time (``None`` for a registered dataset,
        or a file that cannot be looked at, which is then not cached)."""
        if self.parse(spec.source, "dataset").name is not None:
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
        data = self.load(spec.source, target=spec.target, delimiter=spec.delimiter, labels=spec.labels)
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


BUILTIN_DATASETS: Mapping[str, Callable[..., Dataset]] = MappingProxyType({**DATASET_LOADERS, **GENERATED})
"""nnbench's own datasets by name, the bundled ones then the generated ones (read-only):
what nnbench's own plugin contributes through the ``nnbench_datasets`` hook."""

#: nnbench's own datasets alone (:data:`BUILTIN_DATASETS`), as a :class:`Catalog` (for
#: :func:`load` and for code that runs without plugins).
BUNDLED_CATALOG = Catalog(DatasetEntry(name, loader, "nnbench.contract.builtin")
                          for name, loader in BUILTIN_DATASETS.items())
