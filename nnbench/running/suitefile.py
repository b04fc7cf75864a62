"""Suite files: a whole comparison described in TOML, run with ``nnbench run SUITE.toml``.

The format (every key optional; ``examples/suite.toml`` is a documented example)::

    trainers = ["local-gradient", "Nelder-Mead"]   # names, families, or "all" (default)
    exclude = ["trust-constr"]                      # names or families to leave out
    seeds = 5                                       # seeds 0..4, or a list: [0, 7, 42]
    target_cost = 0.01                              # record when each trial first reaches it
    blas_threads = 1                                # BLAS threads per trial
    plugins = ["mypackage.trainers"]                # extra plugin modules (as -p)
    out = "results/suite.jsonl"                     # the results file (relative to this file)

    [budget]
    max_evals = 1000                                # evaluations per trial
    time_limit = 2.0                                # seconds per trial

    [executor]
    kind = "process"                                # serial, process or dask
    jobs = 2                                        # worker processes (process, local dask)
    scheduler = "tcp://10.0.0.5:8786"               # dask only; none: a LocalCluster

    [options.adam]                                  # a trainer's own options
    learning_rate = 0.01

    [datasets.tutorial]                             # a bundled dataset: the table's name
    [datasets.mine]
    source = "data/mine.csv"                        # a CSV, relative to this file
    target = ["y"]                                  # target column(s); default the last
    standardize = "features"                        # none, features or all
    test_size = 0.25                                # held-out fraction
    split_seed = 0
    delimiter = ","

    [networks.small]
    hidden = [2]                                    # hidden sizes; [] (or 0) is a linear model
    activation = "sigmoid"                          # sigmoid, tanh, relu
    output_activation = "identity"                  # identity, sigmoid or softmax (default:
                                                    # the loss's own, softmax for cross_entropy)
    loss = "sse"                                    # sse, mse, half_mse, bce, cross_entropy
    bias = true
    l2 = 0.0                                        # alpha/2 ||W||^2 on the weights, not biases

    [[problems]]                                    # optional: these pairs instead of
    dataset = "tutorial"                            # every dataset with every network
    network = "small"
    [[problems]]
    problem = "iris"                                # or a registered problem (nnbench list
                                                    # problems), with its own budget and target

What the file leaves out takes the defaults every run has (:mod:`nnbench.defaults`, through
:class:`nnbench.Suite` and :class:`nnbench.Budget`), and the process executor on every core.
Options given on the command line override the file; problem options (``--dataset``,
``--hidden``, ...) replace its problems.

Every value is checked by the same declarations the command line and ``nnbench.Suite`` use
(:mod:`nnbench.validation`); errors name the file, the line and the key (``suite.toml,
line 12: budget.max_evals: must be a positive integer or None, got -5``); a TOML syntax
error gives tomllib's line and column.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbench.datasets import DATASET_SPEC_CONSTRAINTS, Catalog, DatasetSpec
from nnbench.errors import ConfigError, DatasetError, NNBenchError, did_you_mean, unreadable
from nnbench.running.executors import EXECUTORS, JOBS_CONSTRAINTS
from nnbench.core.network import NetworkSpec
from nnbench.contract.options import OptionSetting, check_option
from nnbench.contract.variants import SweepSetting
from nnbench.contract.plugins import Registry, registry_for
from nnbench.running.suite import SUITE_CONSTRAINTS, Suite, check_seeds, put_over
from nnbench.contract.trainer import BUDGET_CONSTRAINTS, Budget
from nnbench.validation import OneOf, check, strings

__all__ = ["SuiteFile", "load_suite_file", "suite_file_plugins", "line_of"]

_TOP = ("trainers", "exclude", "seeds", "target_cost", "blas_threads", "plugins", "out", "budget", "executor",
        "options", "sweep", "tune", "tune_seeds", "datasets", "networks", "problems")
_BUDGET = {"max_evals": "max_evals", "time_limit": "max_seconds"}  # file key -> Budget field
_EXECUTOR = ("kind", "jobs", "scheduler")
_DATASET = ("source", "target", "standardize", "test_size", "split_seed", "delimiter")
_NETWORK = ("hidden", "activation", "output_activation", "loss", "bias", "l2")
_PROBLEM = ("problem", "dataset", "network")


@dataclass
class SuiteFile:
    """A suite file, read and checked.

    :param path: the file.
    :param fields: the :class:`~nnbench.Suite` fields it sets (``datasets``, ``networks``,
        ``problems``, ``trainers``, ``exclude``, ``seeds``, ``target``, ``blas_threads``,
        ``plugins``), checked.
    :param budget: the :class:`~nnbench.Budget` fields it sets (``max_evals``, ``max_seconds``).
    :param options: its ``[options.TRAINER]`` values, each with its line as origin.
    :param sweeps: its ``[sweep.TRAINER]`` tables (``learning_rate = [1e-3, 1e-2]``: one variant
        per value, :mod:`nnbench.contract.variants`), each key with its line as origin.
    :param executor: ``serial``, ``process``, ``dask`` or ``None``.
    :param jobs: worker processes or ``None``.
    :param scheduler: a Dask scheduler address or ``None``.
    :param out: the results file (resolved against the suite file's folder) or ``None``.
    :param text: the file's content as read (recorded in the results' metadata,
        :attr:`nnbench.results.record.RunMetadata.suite_text`).
    """

    path: Path
    fields: dict[str, Any] = field(default_factory=dict)
    budget: dict[str, Any] = field(default_factory=dict)
    options: list[OptionSetting] = field(default_factory=list)
    sweeps: list[SweepSetting] = field(default_factory=list)
    executor: str | None = None
    jobs: int | None = None
    scheduler: str | None = None
    out: Path | None = None
    text: str = ""

    @property
    def suite(self) -> Suite:
        """The :class:`~nnbench.Suite` the file describes on its own (defaults elsewhere)."""
        options: dict[str, dict[str, Any]] = {}
        for o in self.options:
            options.setdefault(o.trainer, {})[o.key] = o.value
        sweeps: dict[str, dict[str, Any]] = {}
        for w in self.sweeps:
            sweeps.setdefault(w.trainer, {})[w.key] = w.values
        fields = dict(self.fields)
        if "problems" in fields:  # the file's budget and target over its named problems' own
            fields["problems"] = put_over(fields["problems"], self.budget, fields.get("target"))
        return Suite(**fields, options=options, sweeps=sweeps, budget=Budget(**self.budget))


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_NAME = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"  # a bare or quoted TOML key
_KEYLINE = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")
_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(next(g for g in m.groups() if g is not None) for m in _PART.finditer(dotted))


def line_of(text: str, keys: tuple[str | int, ...]) -> int | None:
    """The 1-based line of ``text`` (TOML) that sets the key path ``keys`` (table names,
    keys, and array-of-tables indexes), or of its nearest enclosing table or key.

    A textual scan, not a TOML parser: headers ``[a.b]`` and ``[[a]]`` (counted, to give
    array indexes), and ``key = value`` lines; a value spread over several lines is found
    at its key's line. ``None`` if nothing matches.
    """
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[str | int, ...] = ()
    best, best_len = None, 0
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m and "=" not in m.group(2).split("]")[0]:
            names = _parts(m.group(2))
            if m.group(1) == "[[":
                counts[names] = counts.get(names, -1) + 1
                table = (*names, counts[names])
            else:
                table = names
            path: tuple[str | int, ...] = table
        else:
            k = _KEYLINE.match(line)
            if not k:
                continue
            path = (*table, *_parts(k.group(1)))
        if path == keys[:len(path)] and len(path) > best_len:
            best, best_len = n, len(path)
            if len(path) == len(keys):
                return n
    return best


class _Reader:
    """Reads values with errors that name the file, the line and the key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def where(self, keys: tuple[str | int, ...]) -> str:
        """``"suite.toml, line 12: budget.max_evals"`` for the key path ``keys``."""
        line = line_of(self.text, keys)
        place = f"{self.path}, line {line}" if line else str(self.path)
        dotted = ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in keys).replace(".[", "[")
        return f"{place}: {dotted}" if dotted else place

    def error(self, keys: tuple[str | int, ...], message: str) -> ConfigError:
        return ConfigError(f"{self.where(keys)}: {message}")

    def table(self, value: Any, keys: tuple[str | int, ...], allowed: tuple[str, ...] | None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(keys, f"must be a table, got {_show(value)}")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    raise self.error((*keys, k), f"unknown key{did_you_mean(k, allowed)}; "
                                                 f"allowed: {', '.join(allowed)}")
        return value

    def named_tables(self, data: Mapping[str, Any], key: str,
                     allowed: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, str], Mapping[str, Any]]]:
        """``(name, key path, table)`` for each ``[key.NAME]`` table of ``data``."""
        for name, t in self.table(data.get(key, {}), (key,), None).items():
            yield name, (key, name), self.table(t, (key, name), allowed)

    def check(self, value: Any, constraints: Any, keys: tuple[str | int, ...]) -> Any:
        """``value`` checked against ``constraints`` (TOML has no null, so ``None`` is not offered)."""
        return check(value, [c for c in constraints if c is not None], self.where(keys))

    def string(self, value: Any, keys: tuple[str | int, ...], choices: tuple[str, ...] | None = None) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(keys, f"must be a non-empty string, got {_show(value)}")
        if choices is not None and value not in choices:
            raise self.error(keys, f"unknown value {value!r}{did_you_mean(value, choices)}; "
                                   f"choose from {', '.join(choices)}")
        return value

    def strings(self, value: Any, keys: tuple[str | int, ...]) -> list[str]:
        """A string or a list of strings, as a list."""
        return strings(value, self.where(keys))

    def spec(self, make: Any, kw: dict[str, Any], keys: tuple[str | int, ...]) -> Any:
        """``make(**kw)`` (a DatasetSpec or NetworkSpec), its errors located at the key's line."""
        try:
            return make(**kw)
        except ConfigError as exc:
            raise exc.at(self.where((*keys, exc.field) if exc.field else keys)) from None


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a table"
    return repr(value)


def _read(path: Path, text: str | None = None) -> tuple[str, dict[str, Any]]:
    """``(text, TOML data)`` of a suite file (``text``: its content as given, the file is not read).

    :raises ConfigError: missing, unreadable, not UTF-8, or not valid TOML (tomllib's line and column).
    """
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(unreadable(path, exc, "suite file")) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def suite_file_plugins(path: str | os.PathLike[str], text: str | None = None) -> tuple[str, ...]:
    """The plugin modules a suite file names (its ``plugins`` key), to load before reading it.

    :param text: the file's content, when given instead of read from ``path``.
    :raises ConfigError: as :func:`load_suite_file` for the file and for that key.
    """
    path = Path(path)
    text, data = _read(path, text)
    if "plugins" not in data:
        return ()
    return tuple(_Reader(path, text).strings(data["plugins"], ("plugins",)))


def load_suite_file(path: str | os.PathLike[str], registry: Registry | None = None,
                    text: str | None = None) -> SuiteFile:
    """Read and check a suite file.

    :param path: the TOML file.
    :param text: its content, when given instead of read from ``path`` (``nnbench run --rerun``
        passes the recorded content); ``path`` still names it in errors, and relative paths
        in it are still resolved against ``path``'s folder.
    :param registry: the :class:`nnbench.contract.plugins.Registry` to check trainer names, option
        names and values, and dataset names against (so their errors name the line too);
        default: the built-ins, entry points and the file's own ``plugins``.
    :returns: the :class:`SuiteFile`.
    :raises ConfigError: the file is missing or unreadable, not valid TOML (tomllib's line
        and column), or has an unknown key or a bad value (the key and its line).
    """
    path = Path(path)
    text, data = _read(path, text)
    if registry is None:
        registry = registry_for(suite_file_plugins(path, text))
    r = _Reader(path, text)
    r.table(data, (), _TOP)
    base = path.parent
    sf = SuiteFile(path=path, text=text)
    f = sf.fields

    for key in ("trainers", "exclude"):
        if key not in data:
            continue
        items = r.strings(data[key], (key,))
        if key == "trainers" and not items:
            raise r.error((key,), "is empty; give trainer names, families or \"all\"")
        for i, item in enumerate(items):
            try:
                registry.select([item], where=r.where((key, i) if isinstance(data[key], list) else (key,)))
            except NNBenchError as exc:
                raise ConfigError(str(exc)) from None
        f[key] = items
    if "seeds" in data:
        f["seeds"] = check_seeds(data["seeds"], r.where(("seeds",)))
    if "target_cost" in data:
        f["target"] = r.check(data["target_cost"], SUITE_CONSTRAINTS["target"], ("target_cost",))
    for key in ("tune", "tune_seeds"):
        if key in data:
            f[key] = r.check(data[key], SUITE_CONSTRAINTS[key], (key,))
    if "blas_threads" in data:
        f["blas_threads"] = r.check(data["blas_threads"], SUITE_CONSTRAINTS["blas_threads"], ("blas_threads",))
    if "plugins" in data:
        f["plugins"] = tuple(r.strings(data["plugins"], ("plugins",)))
    if "out" in data:
        sf.out = base / r.string(data["out"], ("out",))

    if "budget" in data:
        b = r.table(data["budget"], ("budget",), tuple(_BUDGET))
        for key, name in _BUDGET.items():
            if key in b:
                sf.budget[name] = r.check(b[key], BUDGET_CONSTRAINTS[name], ("budget", key))

    if "executor" in data:
        e = r.table(data["executor"], ("executor",), _EXECUTOR)
        if "kind" in e:
            sf.executor = r.check(e["kind"], [OneOf(*EXECUTORS)], ("executor", "kind"))
        if "jobs" in e:
            sf.jobs = r.check(e["jobs"], JOBS_CONSTRAINTS, ("executor", "jobs"))
        if "scheduler" in e:
            sf.scheduler = r.string(e["scheduler"], ("executor", "scheduler"))
            if sf.executor not in (None, "dask"):
                raise r.error(("executor", "scheduler"), f"only the dask executor takes a scheduler, "
                                                         f"not {sf.executor!r}")
            sf.executor = "dask"

    if "options" in data:
        opts = r.table(data["options"], ("options",), None)
        for name, o in opts.items():
            for key, value in r.table(o, ("options", name), None).items():
                origin = r.where(("options", name, key))
                check_option(registry.trainer(name, origin), key, value, origin)
                sf.options.append(OptionSetting(name, key, value, origin))

    if "sweep" in data:
        for name, w in r.table(data["sweep"], ("sweep",), None).items():
            for key, values in r.table(w, ("sweep", name), None).items():
                origin = r.where(("sweep", name, key))
                if not isinstance(values, list) or not values:
                    raise r.error(("sweep", name, key), f"must be a non-empty array of values, got {_show(values)}")
                trainer = registry.trainer(name, origin)
                for i, v in enumerate(values):
                    check_option(trainer, key, v, f"{origin}[{i}]")
                sf.sweeps.append(SweepSetting(name, key, tuple(values), origin))

    datasets = _datasets(r, data, base, registry.catalog())
    networks = _networks(r, data)
    if "problems" in data:
        if not isinstance(data["problems"], list) or not data["problems"]:
            raise r.error(("problems",), "must be a non-empty array of tables ([[problems]])")
        pairs: list[Any] = []
        for i, p in enumerate(data["problems"]):
            p = r.table(p, ("problems", i), _PROBLEM)
            if "problem" in p:  # a registered problem, with its own data, network, budget and target
                extra = [k for k in ("dataset", "network") if k in p]
                if extra:
                    raise r.error(("problems", i, extra[0]), f"a named problem brings its own data and network; "
                                                              f"give problem or {' and '.join(extra)}, not both")
                pairs.append(registry.problem(r.string(p["problem"], ("problems", i, "problem")),
                                              r.where(("problems", i, "problem"))))
                continue
            for key, named in (("dataset", datasets), ("network", networks)):
                if key not in p:
                    raise r.error(("problems", i), f"needs a {key} (one of: {', '.join(named)})")
                name = r.string(p[key], ("problems", i, key))
                if name not in named:
                    raise r.error(("problems", i, key), f"no {key} named {name!r}{did_you_mean(name, named)}; "
                                                        f"defined: {', '.join(named) or 'none'}")
            pairs.append((datasets[p["dataset"]], networks[p["network"]]))
        f["problems"] = pairs
    else:
        if datasets:
            f["datasets"] = list(datasets.values())
        if networks:
            f["networks"] = list(networks.values())
    return sf


def _datasets(r: _Reader, data: Mapping[str, Any], base: Path, catalog: Catalog) -> dict[str, DatasetSpec]:
    out: dict[str, DatasetSpec] = {}
    for name, keys, d in r.named_tables(data, "datasets", _DATASET):
        source = r.string(d.get("source", name), (*keys, "source"))
        try:  # the one rule that reads a source (names, NAME:N, paths), with its one wording
            parsed = catalog.parse(source, r.where((*keys, "source") if "source" in d else keys) + " =")
        except DatasetError as exc:
            raise ConfigError(str(exc)) from None
        if parsed.name is None:  # a path: relative to the suite file
            source = str(base / source)
        kw: dict[str, Any] = {k: d[k] for k in _DATASET if k in d and k != "source"}
        for k in set(kw) & set(DATASET_SPEC_CONSTRAINTS):
            kw[k] = r.check(kw[k], DATASET_SPEC_CONSTRAINTS[k], (*keys, k))
        if "target" in kw:
            kw["target"] = tuple(r.strings(kw["target"], (*keys, "target")))
        if parsed.name is None and not Path(source).is_file():  # said where its line is known, not at loading
            where = r.where((*keys, "source") if "source" in d else keys)
            raise ConfigError(f"{where}: {source}: {'not a file' if Path(source).exists() else 'no such file'}")
        out[name] = r.spec(DatasetSpec, {"source": source, **kw}, keys)
    return out


def _networks(r: _Reader, data: Mapping[str, Any]) -> dict[str, NetworkSpec]:
    out: dict[str, NetworkSpec] = {}
    for name, keys, n in r.named_tables(data, "networks", _NETWORK):
        out[name] = r.spec(NetworkSpec, {k: n[k] for k in _NETWORK if k in n}, keys)
    return out
