"""Loading plugins and looking up what they contribute.

:func:`get_plugin_manager` builds a :class:`pluggy.PluginManager` the way pytest and
datasette do: the built-in plugins by import path (:data:`BUILTIN_PLUGINS`), then every
entry point of the group ``nnbench`` (each load guarded, so one broken plugin is reported
and every other one still works), then modules named with ``-p``; finally
``check_pending()`` so a misspelled hook is an error naming the plugin.

:class:`Registry` answers the questions the harness and the command line ask: every
trainer (with its plugin filled in), a trainer by name, a selection by names or families,
the datasets, the plugins with their versions and hooks.

Environment variables:

``NNBENCH_DISABLE_PLUGIN_AUTOLOAD=1``
    do not load entry points (built-ins and ``-p`` modules still load).
``NNBENCH_STRICT_PLUGINS=1``
    a plugin that fails to load is a :class:`~nnbench.errors.PluginError` instead of a
    :class:`PluginWarning` (``nnbench --strict-plugins`` does the same).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
import re
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import pluggy

from nnbench.contract import hookspecs
from nnbench.datasets import Catalog, DatasetEntry
from nnbench.errors import ConfigError, PluginError, did_you_mean
from nnbench.contract.trainer import DERIVATIVES, FAMILIES, Trainer
from nnbench.contract.problems import ProblemSpec, SuiteSpec

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginWarning",
    "PluginInfo",
    "Registry",
    "get_plugin_manager",
    "registry_for",
    "trainer_rows",
    "plugin_rows",
]

#: The built-in plugins, by import path, registered before any entry point. They are never
#: also declared as entry points.
BUILTIN_PLUGINS: tuple[str, ...] = ("nnbench.contract.builtin", "nnbench_scipy", "nnbench_firstorder")

#: The entry-point group third-party plugins declare (``[project.entry-points.nnbench]``).
ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME

_TRUE = {"1", "true", "yes", "on"}


class PluginWarning(UserWarning):
    """A plugin failed to load or an observer hook raised; the run goes on without it."""


class PluginInfo(NamedTuple):
    """One registered plugin, for ``nnbench list plugins``.

    :param name: the name it is registered under (module path or entry-point name).
    :param version: its distribution's version, or nnbench's for the built-ins, or ``""``.
    :param hooks: the hooks it implements, sorted.
    :param distribution: the distribution that installed it (``"nnbench"`` for the built-ins; an
        entry point's distribution; for a ``-p`` module, the distribution its top-level package
        belongs to), or ``""`` (a ``-p`` module that no distribution installed).
    """

    name: str
    version: str
    hooks: tuple[str, ...]
    distribution: str = ""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _normalized(name: str) -> str:
    """A distribution's name normalised (PEP 503), for de-duplication."""
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def _nnbench_version() -> str:
    """nnbench's installed version (``""`` if not installed), looked up once per process."""
    try:
        return importlib.metadata.version("nnbench")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _module_distribution(modname: str) -> str:
    """The distribution that installed the top-level package of ``modname``, or ``""``
    (``importlib.metadata.packages_distributions``; the first when several share it)."""
    try:
        found = importlib.metadata.packages_distributions().get(modname.partition(".")[0], [])
    except Exception:  # a broken installed distribution's metadata: the module is still loaded
        return ""
    return found[0] if found else ""


class _PluginManager(pluggy.PluginManager):
    """pluggy's plugin manager with ``nnbench_versions`` and ``nnbench_distributions``: each
    plugin's name mapped to its version string and to its distribution's name, filled by
    :func:`get_plugin_manager`, read by :meth:`Registry.plugin_info`."""

    nnbench_versions: dict[str, str]
    nnbench_distributions: dict[str, str]


def get_plugin_manager(extra: Iterable[str] = (), strict: bool | None = None,
                       autoload: bool | None = None,
                       builtins: Iterable[str] = BUILTIN_PLUGINS) -> pluggy.PluginManager:
    """A plugin manager with the nnbench hook specs and every plugin loaded.

    :param extra: modules to load for this run (``-p package.module``), by import path;
        ``"no:NAME"`` blocks the plugin registered as NAME (a built-in module path or an
        entry-point name) instead, as pytest's ``-p no:NAME`` does.
    :param strict: a failing entry point raises instead of warning; ``None`` reads
        ``NNBENCH_STRICT_PLUGINS``.
    :param autoload: load the ``nnbench`` entry points; ``None`` means yes unless
        ``NNBENCH_DISABLE_PLUGIN_AUTOLOAD`` is set.
    :param builtins: the built-in modules to register (tests pass fewer).
    :returns: the :class:`pluggy.PluginManager`; ``pm.nnbench_versions`` maps each plugin
        name to its version string.
    :raises PluginError: a built-in or ``-p`` module that does not import or register; with
        ``strict``, an entry point that does not load; a hook implementation whose name is
        not a hook spec (named with the plugin and the closest spec).
    :warns PluginWarning: an entry point that does not load (without ``strict``), naming
        its distribution, the entry point and the error.
    """
    strict = _env_flag("NNBENCH_STRICT_PLUGINS") if strict is None else strict
    autoload = not _env_flag("NNBENCH_DISABLE_PLUGIN_AUTOLOAD") if autoload is None else autoload
    pm = _PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    versions: dict[str, str] = {}
    distributions: dict[str, str] = {}
    pm.nnbench_versions, pm.nnbench_distributions = versions, distributions
    extra = list(extra)
    for item in extra:
        if item.startswith("no:"):
            pm.set_blocked(item[3:])
    for modname in builtins:
        if not pm.is_blocked(modname):
            _register(pm, _import(modname, "built-in plugin"), modname)
            versions[modname] = _nnbench_version()
            distributions[modname] = hookspecs.PROJECT_NAME
    if autoload:
        _load_entry_points(pm, strict, versions, distributions)
    if any(not m.startswith("no:") for m in extra) and "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # -p finds modules in the current directory, as python -m does
    for modname in extra:
        if modname.startswith("no:") or pm.is_blocked(modname) or pm.get_plugin(modname) is not None:
            continue
        module = _import(modname, "plugin given with -p")
        if strict and not any(hasattr(getattr(module, h, None), "nnbench_impl") for h in dir(module)):
            raise PluginError(f"plugin given with -p {modname!r} implements no nnbench hook "
                              "(mark its functions with @nnbench.hookimpl)")
        _register(pm, module, modname)
        versions[modname] = str(getattr(_import(modname, "plugin"), "__version__", ""))
        distributions[modname] = _module_distribution(modname)
    _check_pending(pm)
    return pm


def _import(modname: str, what: str) -> Any:
    if modname.endswith(".py") or "/" in modname:
        raise PluginError(f"{what} {modname!r}: give the module's import name (e.g. -p mymodule for "
                          "./mymodule.py, found in the current directory), not a file path")
    try:
        return importlib.import_module(modname)
    except (Exception, SystemExit) as exc:  # any failure of third-party code, reported with its name
        raise PluginError(f"{what} {modname!r} failed to import: {type(exc).__name__}: {exc}") from exc


def _register(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from exc


def _load_entry_points(pm: pluggy.PluginManager, strict: bool, versions: dict[str, str],
                       distributions: dict[str, str]) -> None:
    """Register every ``nnbench`` entry point, each distribution once, each load guarded."""
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        # the entry points first: reading a distribution's name parses its whole METADATA
        # file (about 1.5 ms each, 0.15 s over a hundred installed distributions)
        eps = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
        if not eps:
            continue
        meta = dist.metadata  # parsed once per distribution (dist.version would parse it again)
        name, version = str(meta["Name"] or ""), str(meta["Version"] or "")
        key = _normalized(name)
        if key in seen:
            continue
        seen.add(key)
        for ep in eps:
            if pm.is_blocked(ep.name):
                continue
            try:
                if pm.get_plugin(ep.name) is not None:
                    raise PluginError(f"the name {ep.name!r} is already taken by another plugin")
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # a broken third-party plugin must not stop the others
                message = (f"plugin {ep.name!r} (entry point {ep.name} = {ep.value}) from distribution "
                           f"{name} {version} failed to load: {type(exc).__name__}: {exc}")
                if strict:
                    raise PluginError(message) from exc
                warnings.warn(message, PluginWarning, stacklevel=3)
                continue
            versions[ep.name] = version
            distributions[ep.name] = name


def _check_pending(pm: pluggy.PluginManager) -> None:
    """``pm.check_pending()`` with a message naming the plugin, the hook and the closest spec."""
    specs = sorted(name for name in vars(pm.hook) if name.startswith("nnbench_")
                   and getattr(pm.hook, name).has_spec())
    for name, caller in sorted(vars(pm.hook).items()):
        if name.startswith("_") or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            raise PluginError(f"plugin {impl.plugin_name!r} implements unknown hook {name!r}"
                              f"{did_you_mean(name, specs, n=1)}; known hooks: {', '.join(specs)}")
    pm.check_pending()


class Registry:
    """What the loaded plugins contribute, with the lookups the harness and CLI need.

    :param pm: a plugin manager from :func:`get_plugin_manager` (built when ``None``).

    Every hook is called through pluggy (``pm.hook.NAME`` or, where a result must keep
    the plugin it came from, ``pm.subset_hook_caller`` with one plugin's implementation
    and every wrapper), so hook wrappers and implementations that take fewer arguments
    than the spec work as pluggy documents. Results of the collecting hooks are computed
    once and cached.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = get_plugin_manager() if pm is None else pm
        self._trainers: list[Trainer] | None = None
        self._catalog: Catalog | None = None
        self._named: dict[str, dict[str, tuple[Any, str]]] = {}

    def _per_plugin(self, hook: str, errors: list[PluginError] | None = None,
                    **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """``(plugin name, result)`` of each plugin's implementation of ``hook``, in
        registration order, each called with every wrapper around it.

        :param errors: where to collect the :class:`PluginError` (naming the plugin) of an
            implementation that raises, and go on; ``None`` raises it.
        """
        caller = getattr(self.pm.hook, hook)
        impls = [i for i in caller.get_hookimpls() if not (i.hookwrapper or i.wrapper)]
        plain = {id(i.plugin): i.plugin for i in impls}
        for impl in impls:  # registration order
            others = [p for k, p in plain.items() if k != id(impl.plugin)]
            try:
                results = self.pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)
            except Exception as exc:  # name the plugin that failed
                error = PluginError(f"plugin {impl.plugin_name!r} failed in hook {hook}: "
                                    f"{type(exc).__name__}: {exc}")
                if errors is None:
                    raise error from exc
                errors.append(error)
                continue
            for result in results or ():
                if result is not None:
                    yield impl.plugin_name, result

    def trainers(self) -> list[Trainer]:
        """Every trainer, each with ``plugin`` set, in plugin registration order.

        :returns: a new list of :class:`~nnbench.contract.trainer.Trainer`.
        :raises PluginError: a hook returns something other than a list of trainers, or two
            different trainers share a name (case-insensitively): the message names both
            plugins.
        """
        if self._trainers is None:
            found: dict[str, Trainer] = {}
            for plugin, result in self._per_plugin("nnbench_trainers"):
                if not isinstance(result, (list, tuple)) or not all(isinstance(t, Trainer) for t in result):
                    raise PluginError(f"plugin {plugin!r}: nnbench_trainers must return a list of "
                                      f"nnbench.contract.trainer.Trainer, got {result!r:.80}")
                for t in result:
                    t = t.with_plugin(plugin)
                    other = found.get(t.name.lower())
                    if other is None:
                        found[t.name.lower()] = t
                    elif other != t:
                        raise PluginError(
                            f"two trainers are named {t.name!r}: one from plugin {other.plugin!r}, "
                            f"one from plugin {plugin!r}; rename one, or block a plugin with -p no:NAME")
            self._trainers = list(found.values())
        return list(self._trainers)

    def names(self) -> list[str]:
        """Every trainer's name, in listing order."""
        return [t.name for t in self.trainers()]

    def trainer(self, name: str, where: str | None = None) -> Trainer:
        """The trainer called ``name`` (case-insensitive).

        :param where: the error's prefix (``"--option adamm.learning_rate"``); default
            none.
        :raises ConfigError: no trainer has that name; the message gives the closest names.
        """
        for t in self.trainers():
            if t.name.lower() == name.lower():
                return t
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}unknown trainer {name!r}{did_you_mean(name, self.names())}; "
                          f"`nnbench list trainers` lists all {len(self.names())}")

    def select(self, spec: str | Iterable[str], exclude: str | Iterable[str] = (),
               where: str = "--trainers") -> list[Trainer]:
        """Trainers chosen by name or family, in listing order, each once.

        :param spec: ``"all"``, trainer names, family names (:data:`~nnbench.contract.trainer.FAMILIES`),
            as a list or one comma-separated string.
        :param exclude: names or families to leave out, in the same forms.
        :param where: the option or field the names came from, for errors.
        :returns: the chosen trainers.
        :raises ConfigError: an item that is neither ``all``, a family nor a trainer name
            (with the closest choices), or a selection that leaves no trainer.
        """
        chosen = self._match(spec, where)
        dropped = {t.name for t in self._match(exclude, "--exclude" if where == "--trainers" else where)}
        result = [t for t in self.trainers() if t.name in {c.name for c in chosen} and t.name not in dropped]
        if not result:
            raise ConfigError(f"trainer selection {_items(spec)} excluding {_items(exclude)} leaves no trainer")
        return result

    def _match(self, spec: str | Iterable[str], where: str) -> list[Trainer]:
        out: list[Trainer] = []
        for item in _items(spec):
            if item.lower() == "all":
                out.extend(self.trainers())
            elif item.lower() in FAMILIES:
                out.extend(t for t in self.trainers() if t.family == item.lower())
            elif item.lower() in {n.lower() for n in self.names()}:
                out.append(self.trainer(item))
            else:
                raise ConfigError(f"{where}: unknown trainer or family {item!r}"
                                  f"{did_you_mean(item, ['all', *FAMILIES, *self.names()])}; "
                                  f"families: {', '.join(FAMILIES)}; `nnbench list trainers` lists the trainers")
        return out

    def catalog(self) -> Catalog:
        """Every dataset, bundled and contributed, as one :class:`~nnbench.datasets.Catalog`
        (merged from every ``nnbench_datasets`` hook; nnbench's own plugin contributes the
        bundled ones).

        :raises PluginError: one name from two plugins (both named), or a hook that does not
            return a mapping of name to loader callable.
        """
        if self._catalog is None:
            merged: dict[str, DatasetEntry] = {}
            for plugin, result in self._per_plugin("nnbench_datasets"):
                if not isinstance(result, Mapping) or not all(
                        isinstance(k, str) and callable(f) for k, f in result.items()):
                    raise PluginError(f"plugin {plugin!r}: nnbench_datasets must return a dict of "
                                      f"name -> loader callable, got {result!r:.80}")
                for name, loader in result.items():
                    other = merged.get(name)
                    if other is not None and other.loader is not loader:
                        raise PluginError(f"two datasets are named {name!r}: one from plugin "
                                          f"{other.plugin!r}, one from plugin {plugin!r}")
                    merged[name] = DatasetEntry(name, loader, plugin)
            self._catalog = Catalog(merged.values())
        return self._catalog

    def _collect(self, hook: str, kind: type, noun: str) -> dict[str, tuple[Any, str]]:
        """Every ``kind`` instance the ``hook`` returns, by name, with its plugin (cached).

        :raises PluginError: a hook that does not return a list of ``kind``, or one name from
            two plugins (both named).
        """
        if hook not in self._named:
            found: dict[str, tuple[Any, str]] = {}
            for plugin, result in self._per_plugin(hook):
                if not isinstance(result, (list, tuple)) or not all(isinstance(x, kind) for x in result):
                    raise PluginError(f"plugin {plugin!r}: {hook} must return a list of "
                                      f"{kind.__module__}.{kind.__name__}, got {result!r:.80}")
                for x in result:
                    other = found.get(x.name)
                    if other is not None and other[0] != x:
                        raise PluginError(f"two {noun}s are named {x.name!r}: one from plugin {other[1]!r}, "
                                          f"one from plugin {plugin!r}")
                    found.setdefault(x.name, (x, plugin))
            self._named[hook] = found
        return self._named[hook]

    def _lookup(self, hook: str, kind: type, noun: str, name: str, where: str) -> Any:
        found = self._collect(hook, kind, noun)
        if name not in found:
            listed = ", ".join(found) or "none"
            raise ConfigError(f"{where} {name}: unknown {noun}{did_you_mean(name, found)}; registered: {listed}; "
                              f"`nnbench list {noun}s` lists them")
        return found[name][0]

    def problems(self) -> dict[str, tuple[ProblemSpec, str]]:
        """Every named problem (:class:`~nnbench.contract.problems.ProblemSpec`), by name, with the
        plugin that contributed it, in registration order (``nnbench_problems``).

        :raises PluginError: a bad hook result, or one name from two plugins.
        """
        return dict(self._collect("nnbench_problems", ProblemSpec, "problem"))

    def problem(self, name: str, where: str = "--problem") -> ProblemSpec:
        """The problem called ``name`` (exactly).

        :raises ConfigError: ``"--problem irsi: unknown problem (did you mean iris?); registered: ..."``.
        """
        return self._lookup("nnbench_problems", ProblemSpec, "problem", name, where)

    def suites(self) -> dict[str, tuple[SuiteSpec, str]]:
        """Every named suite (:class:`~nnbench.contract.problems.SuiteSpec`), by name, with its
        plugin (``nnbench_suites``).

        :raises PluginError: a bad hook result, or one name from two plugins.
        """
        return dict(self._collect("nnbench_suites", SuiteSpec, "suite"))

    def suite(self, name: str, where: str = "--suite") -> tuple[SuiteSpec, list[ProblemSpec]]:
        """The suite called ``name`` and its problems, in order.

        :raises ConfigError: an unknown suite (with the closest names); :class:`PluginError`:
            the suite names a problem no plugin contributes (naming the suite's plugin).
        """
        spec = self._lookup("nnbench_suites", SuiteSpec, "suite", name, where)
        problems = self._collect("nnbench_problems", ProblemSpec, "problem")
        missing = [p for p in spec.problems if p not in problems]
        if missing:
            plugin = self._collect("nnbench_suites", SuiteSpec, "suite")[name][1]
            raise PluginError(f"suite {name!r} of plugin {plugin!r} names problems that no plugin contributes: "
                              f"{', '.join(missing)}")
        return spec, [problems[p][0] for p in spec.problems]

    def plugin_info(self) -> list[PluginInfo]:
        """Every registered plugin with its version, hooks and distribution, in registration order."""
        versions = getattr(self.pm, "nnbench_versions", {})
        distributions = getattr(self.pm, "nnbench_distributions", {})
        info = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:  # blocked
                continue
            hooks = tuple(sorted(c.name for c in self.pm.get_hookcallers(plugin) or ()))
            info.append(PluginInfo(name, versions.get(name, ""), hooks, distributions.get(name, "")))
        return info

    def call_trial_finished(self, record: dict[str, Any], strict: bool | None = None) -> None:
        """Call every ``nnbench_trial_finished`` observer with ``record``, each on its own
        (through pluggy, with the wrappers), so that one that raises does not stop the others.

        :param record: one trial's JSON-ready record.
        :param strict: re-raise an observer's exception as :class:`PluginError`; ``None``
            reads ``NNBENCH_STRICT_PLUGINS``.
        :warns PluginWarning: an observer raised (without ``strict``); the others still run.
        """
        strict = _env_flag("NNBENCH_STRICT_PLUGINS") if strict is None else strict
        errors: list[PluginError] = []
        for _ in self._per_plugin("nnbench_trial_finished", errors, result=record):
            pass
        for error in errors:  # an observer must not stop the run
            if strict:
                raise error
            warnings.warn(str(error), PluginWarning, stacklevel=2)


@functools.lru_cache(maxsize=8)
def registry_for(plugins: tuple[str, ...] = ()) -> Registry:
    """The registry of built-ins, entry points and ``plugins`` (``-p`` modules), made once
    per process and plugin list (a worker process reuses it for every trial).

    :raises PluginError: as :func:`get_plugin_manager`.
    """
    return Registry(get_plugin_manager(extra=plugins))


def _items(spec: str | Iterable[str]) -> list[str]:
    if isinstance(spec, str):
        spec = spec.split(",")
    return [s.strip() for s in spec if s.strip()]


def trainer_rows(registry: Registry) -> list[dict[str, Any]]:
    """Rows for ``nnbench list trainers``: one dict per trainer, for ``tabulate(rows, headers="keys")``.

    Keys: ``name``, ``plugin``, ``family``, ``uses`` (derivatives, comma-separated, in
    :data:`~nnbench.contract.trainer.DERIVATIVES` order, ``"-"`` for none), ``max_params`` (``"-"``
    for no limit), ``stochastic`` (``"yes"``/``"no"``), ``summary``. Sorted by family (in
    :data:`~nnbench.contract.trainer.FAMILIES` order), then listing order.
    """
    trainers = sorted(registry.trainers(), key=lambda t: FAMILIES.index(t.family))
    return [{"name": t.name, "plugin": t.plugin, "family": t.family,
             "uses": ", ".join(d for d in DERIVATIVES if d in t.uses) or "-",
             "max_params": "-" if t.max_params is None else t.max_params,
             "stochastic": "yes" if t.stochastic else "no", "summary": t.summary}
            for t in trainers]


def plugin_rows(registry: Registry) -> list[dict[str, Any]]:
    """Rows for ``nnbench list plugins``: ``name``, ``version``, ``hooks`` (comma-separated)."""
    return [{"name": p.name, "version": p.version or "-", "hooks": ", ".join(p.hooks) or "-"}
            for p in registry.plugin_info()]
