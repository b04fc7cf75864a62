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
    hidden = [2]                                    # hidden sizes; [] is a linear model
    activation = "sigmoid"                          # sigmoid, tanh, relu
    output_activation = "identity"                  # identity or sigmoid
    loss = "sse"                                    # sse, mse, half_mse, bce
    bias = true

    [[problems]]                                    # optional: these pairs instead of
    dataset = "tutorial"                            # every dataset with every network
    network = "small"

What the file leaves out takes ``nnbench run``'s defaults: every trainer, seeds 0-4, the
budget :data:`nnbench.cli.DEFAULT_BUDGET` (1000 evaluations, 2 s), the process executor on
every core, the tutorial data with a 2-hidden-unit sigmoid network. Options given on the
command line override the file; problem options (``--dataset``, ``--hidden``, ...) replace
its problems.

Errors name the file, the line and the key (``suite.toml, line 12: budget.max_evals: must
be a positive integer, got -5``); a TOML syntax error gives tomllib's line and column.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnbench.datasets import bundled_names
from nnbench.errors import ConfigError, NNBenchError
from nnbench.harness import DatasetSpec, NetworkSpec, Suite
from nnbench.trainer import MAX_SECONDS, Budget, closest_names

__all__ = ["SuiteFile", "load_suite_file", "EXECUTORS", "line_of"]

#: The executor kinds a suite file (and ``--executor``) may name.
EXECUTORS: tuple[str, ...] = ("serial", "process", "dask")

_TOP = ("trainers", "exclude", "seeds", "target_cost", "blas_threads", "plugins", "out", "budget", "executor",
        "options", "datasets", "networks", "problems")
_BUDGET = ("max_evals", "time_limit")
_EXECUTOR = ("kind", "jobs", "scheduler")
_DATASET = ("source", "target", "standardize", "test_size", "split_seed", "delimiter")
_NETWORK = ("hidden", "activation", "output_activation", "loss", "bias")
_PROBLEM = ("dataset", "network")


@dataclass
class SuiteFile:
    """A suite file, read and checked.

    :param path: the file.
    :param suite: the :class:`~nnbench.harness.Suite` it describes (defaults of
        :class:`~nnbench.harness.Suite` where it says nothing, except the budget, which
        is ``None`` fields where not given so the command line can fill them).
    :param max_evals: ``budget.max_evals`` or ``None`` (evaluations).
    :param time_limit: ``budget.time_limit`` or ``None`` (seconds).
    :param seeds_given: whether the file sets ``seeds``.
    :param executor: ``serial``, ``process``, ``dask`` or ``None``.
    :param jobs: worker processes or ``None``.
    :param scheduler: a Dask scheduler address or ``None``.
    :param out: the results file (resolved against the suite file's folder) or ``None``.
    """

    path: Path
    suite: Suite
    max_evals: int | None = None
    time_limit: float | None = None
    seeds_given: bool = False
    executor: str | None = None
    jobs: int | None = None
    scheduler: str | None = None
    out: Path | None = None


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
    """Checks values against their expected types, with errors that name the key and line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def error(self, keys: tuple[str | int, ...], message: str) -> ConfigError:
        line = line_of(self.text, keys)
        where = f"{self.path}, line {line}" if line else str(self.path)
        dotted = ".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in keys).replace(".[", "[")
        return ConfigError(f"{where}: {dotted}: {message}")

    def table(self, value: Any, keys: tuple[str | int, ...], allowed: tuple[str, ...] | None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(keys, f"must be a table, got {_show(value)}")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    close = closest_names(k, list(allowed))
                    hint = f"did you mean {', '.join(close)}? " if close else ""
                    raise self.error((*keys, k), f"unknown key; {hint}(allowed: {', '.join(allowed)})")
        return value

    def named_tables(self, data: Mapping[str, Any], key: str,
                     allowed: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, str], Mapping[str, Any]]]:
        """``(name, key path, table)`` for each ``[key.NAME]`` table of ``data``."""
        for name, t in self.table(data.get(key, {}), (key,), None).items():
            yield name, (key, name), self.table(t, (key, name), allowed)

    def positive_int(self, value: Any, keys: tuple[str | int, ...]) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(keys, f"must be a positive integer, got {_show(value)}")
        return value

    def positive_float(self, value: Any, keys: tuple[str | int, ...]) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
            raise self.error(keys, f"must be a positive number, got {_show(value)}")
        return float(value)

    def string(self, value: Any, keys: tuple[str | int, ...], choices: tuple[str, ...] | None = None) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(keys, f"must be a non-empty string, got {_show(value)}")
        if choices is not None and value not in choices:
            close = closest_names(value, list(choices))
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise self.error(keys, f"unknown value {value!r}; {hint}(choose from {', '.join(choices)})")
        return value

    def strings(self, value: Any, keys: tuple[str | int, ...]) -> list[str]:
        """A string or a list of strings, as a list."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.error(keys, f"must be a string or a list of strings, got {_show(value)}")
        return [self.string(v, (*keys, i)) for i, v in enumerate(items)]


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a table"
    return repr(value)


def load_suite_file(path: str | os.PathLike[str], registry: Any = None) -> SuiteFile:
    """Read and check a suite file.

    :param path: the TOML file.
    :param registry: a :class:`nnbench.plugins.Registry` to check the trainer names and
        families against (so their errors name the line too), or ``None``.
    :returns: the :class:`SuiteFile`.
    :raises ConfigError: the file is missing or unreadable, not valid TOML (tomllib's line
        and column), or has an unknown key or a bad value (the key and its line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such suite file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a TOML suite file (not UTF-8 text: {exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the suite file: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    r = _Reader(path, text)
    r.table(data, (), _TOP)
    base = path.parent
    sf = SuiteFile(path=path, suite=Suite())
    s = sf.suite

    if "trainers" in data:
        s.trainers = r.strings(data["trainers"], ("trainers",))
        if not s.trainers:
            raise r.error(("trainers",), "is empty; give trainer names, families or \"all\"")
    if "exclude" in data:
        s.exclude = r.strings(data["exclude"], ("exclude",))
    if registry is not None:
        for key, items in (("trainers", s.trainers), ("exclude", s.exclude)):
            for i, item in enumerate([items] if isinstance(items, str) else items):
                try:
                    registry.select([item])
                except NNBenchError as exc:
                    raise r.error((key, i) if isinstance(data[key], list) else (key,), str(exc)) from None
    if "seeds" in data:
        v = data["seeds"]
        sf.seeds_given = True
        if isinstance(v, list):
            if not v:
                raise r.error(("seeds",), "is an empty list")
            for i, x in enumerate(v):
                if isinstance(x, bool) or not isinstance(x, int) or x < 0:
                    raise r.error(("seeds", i), f"seeds must be non-negative integers, got {_show(x)}")
            if len(set(v)) != len(v):
                raise r.error(("seeds",), f"repeats a seed: {v}")
            s.seeds = list(v)
        else:
            s.seeds = range(r.positive_int(v, ("seeds",)))
    if "target_cost" in data:
        v = data["target_cost"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise r.error(("target_cost",), f"must be a finite number, got {_show(v)}")
        s.target = float(v)
    if "blas_threads" in data:
        s.blas_threads = r.positive_int(data["blas_threads"], ("blas_threads",))
    if "plugins" in data:
        s.plugins = tuple(r.strings(data["plugins"], ("plugins",)))
    if "out" in data:
        sf.out = base / r.string(data["out"], ("out",))

    if "budget" in data:
        b = r.table(data["budget"], ("budget",), _BUDGET)
        if "max_evals" in b:
            sf.max_evals = r.positive_int(b["max_evals"], ("budget", "max_evals"))
        if "time_limit" in b:
            sf.time_limit = r.positive_float(b["time_limit"], ("budget", "time_limit"))
            if sf.time_limit > MAX_SECONDS:
                raise r.error(("budget", "time_limit"), f"must be at most {MAX_SECONDS:g} seconds, got {sf.time_limit:g}")
    s.budget = Budget(sf.max_evals or Budget().max_evals, sf.time_limit)

    if "executor" in data:
        e = r.table(data["executor"], ("executor",), _EXECUTOR)
        if "kind" in e:
            sf.executor = r.string(e["kind"], ("executor", "kind"), EXECUTORS)
        if "jobs" in e:
            sf.jobs = r.positive_int(e["jobs"], ("executor", "jobs"))
        if "scheduler" in e:
            sf.scheduler = r.string(e["scheduler"], ("executor", "scheduler"))
            if sf.executor not in (None, "dask"):
                raise r.error(("executor", "scheduler"), f"only the dask executor takes a scheduler, "
                                                         f"not {sf.executor!r}")
            sf.executor = "dask"

    if "options" in data:
        opts = r.table(data["options"], ("options",), None)
        for name, o in opts.items():
            r.table(o, ("options", name), None)
        s.options = {name: dict(o) for name, o in opts.items()}

    datasets = _datasets(r, data, base)
    networks = _networks(r, data)
    if "problems" in data:
        if not isinstance(data["problems"], list) or not data["problems"]:
            raise r.error(("problems",), "must be a non-empty array of tables ([[problems]])")
        pairs = []
        for i, p in enumerate(data["problems"]):
            p = r.table(p, ("problems", i), _PROBLEM)
            for key, named in (("dataset", datasets), ("network", networks)):
                if key not in p:
                    raise r.error(("problems", i), f"needs a {key} (one of: {', '.join(named)})")
                name = r.string(p[key], ("problems", i, key))
                if name not in named:
                    close = closest_names(name, list(named))
                    hint = f"did you mean {', '.join(close)}? " if close else ""
                    raise r.error(("problems", i, key), f"no {key} named {name!r}; {hint}"
                                                        f"(defined: {', '.join(named) or 'none'})")
            pairs.append((datasets[p["dataset"]], networks[p["network"]]))
        s.problems = pairs
    else:
        s.datasets = list(datasets.values()) or [DatasetSpec("tutorial")]
        s.networks = list(networks.values()) or [NetworkSpec()]
    return sf


def _datasets(r: _Reader, data: Mapping[str, Any], base: Path) -> dict[str, DatasetSpec]:
    out: dict[str, DatasetSpec] = {}
    for name, keys, d in r.named_tables(data, "datasets", _DATASET):
        source = r.string(d.get("source", name), (*keys, "source"))
        if source.endswith(".csv") or "/" in source or os.sep in source:
            source = str(base / source)
        elif source not in bundled_names():
            close = closest_names(source, list(bundled_names()))
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise r.error((*keys, "source") if "source" in d else keys,
                          f"unknown dataset {source!r}; {hint}(bundled: {', '.join(bundled_names())}; "
                          f"a CSV file is a path ending in .csv)")
        kw: dict[str, Any] = {}
        if "target" in d:
            kw["target"] = tuple(r.strings(d["target"], (*keys, "target")))
        if "standardize" in d:
            kw["standardize"] = r.string(d["standardize"], (*keys, "standardize"), ("none", "features", "all"))
        if "test_size" in d:
            v = d["test_size"]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1:
                raise r.error((*keys, "test_size"), f"must be a fraction between 0 and 1, got {_show(v)}")
            kw["test_size"] = float(v)
        if "split_seed" in d:
            v = d["split_seed"]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise r.error((*keys, "split_seed"), f"must be a non-negative integer, got {_show(v)}")
            kw["split_seed"] = v
        if "delimiter" in d:
            kw["delimiter"] = r.string(d["delimiter"], (*keys, "delimiter"))
            if len(kw["delimiter"]) != 1:
                raise r.error((*keys, "delimiter"), f"must be one character, got {kw['delimiter']!r}")
        out[name] = DatasetSpec(source, **kw)
    return out


def _networks(r: _Reader, data: Mapping[str, Any]) -> dict[str, NetworkSpec]:
    from nnbench.activations import ACTIVATIONS
    from nnbench.losses import LOSSES

    out: dict[str, NetworkSpec] = {}
    for name, keys, n in r.named_tables(data, "networks", _NETWORK):
        kw: dict[str, Any] = {}
        if "hidden" in n:
            h = n["hidden"]
            sizes = [h] if isinstance(h, int) and not isinstance(h, bool) else h
            if not isinstance(sizes, list):
                raise r.error((*keys, "hidden"), f"must be a list of positive layer sizes, got {_show(h)}")
            kw["hidden"] = tuple(r.positive_int(x, (*keys, "hidden", i)) for i, x in enumerate(sizes))
        if "activation" in n:
            kw["activation"] = r.string(n["activation"], (*keys, "activation"),
                                        tuple(ACTIVATIONS))
        if "output_activation" in n:
            kw["output_activation"] = r.string(n["output_activation"], (*keys, "output_activation"),
                                               ("identity", "sigmoid"))
        if "loss" in n:
            kw["loss"] = r.string(n["loss"], (*keys, "loss"), tuple(LOSSES))
        if "bias" in n:
            if not isinstance(n["bias"], bool):
                raise r.error((*keys, "bias"), f"must be true or false, got {_show(n['bias'])}")
            kw["bias"] = n["bias"]
        out[name] = NetworkSpec(**kw)
    return out
