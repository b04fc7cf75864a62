"""The plugin contract: pluggy markers and hook specifications for the project ``nnbench``.

A plugin is any module or object with functions decorated by :data:`hookimpl` whose names
are the hooks below. nnbench registers its built-in plugins by import path
(:data:`nnbench.contract.plugins.BUILTIN_PLUGINS`), then every entry point of the group ``nnbench``
(``[project.entry-points.nnbench]`` in a plugin's pyproject.toml), then modules given with
``nnbench run -p package.module``. See ``plugins/README.md`` for a worked example.

Every hook here collects the results of *all* plugins that implement it (none is
``firstresult``). A function decorated with :data:`hookimpl` whose name is not one of these
specs is an error when plugins load (``check_pending``), so a misspelled hook never passes
silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from nnbench.datasets import Dataset
    from nnbench.contract.problems import ProblemSpec, SuiteSpec
    from nnbench.contract.trainer import Trainer

__all__ = ["PROJECT_NAME", "hookspec", "hookimpl", "nnbench_trainers", "nnbench_datasets",
           "nnbench_problems", "nnbench_suites", "nnbench_trial_finished"]

#: The pluggy project name; also the entry-point group plugins declare.
PROJECT_NAME = "nnbench"

#: Marks a hook specification (used only in this module).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Marks a plugin's hook implementation: ``@hookimpl def nnbench_trainers(): ...``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def nnbench_trainers() -> list[Trainer]:  # type: ignore[empty-body]  # a spec: no body
    """Contribute trainers (optimizers).

    :returns: a list of :class:`nnbench.contract.trainer.Trainer` descriptions. The plugin manager
        fills in each trainer's ``plugin`` with the name the plugin was registered under.

    All results are collected, one list per plugin. Trainer names are matched
    case-insensitively; two different trainers with one name, from any two plugins, is a
    :class:`~nnbench.errors.PluginError` that names both plugins.

    Example::

        from nnbench import hookimpl
        from nnbench.contract.trainer import Trainer

        @hookimpl
        def nnbench_trainers():
            return [Trainer(name="random-search", family="local-derivative-free",
                            train=train_random_search, summary="Gaussian random search")]
    """


@hookspec
def nnbench_datasets() -> dict[str, Callable[..., Dataset]]:  # type: ignore[empty-body]  # a spec: no body
    """Contribute datasets.

    :returns: a mapping from a dataset name to a loader that returns a
        :class:`nnbench.datasets.Dataset`. A loader takes no arguments, or one: the size
        ``n`` (an ``int``), when its signature has exactly one positional parameter without a
        default (:func:`nnbench.datasets.takes_size`). A dataset whose loader takes a size is
        used as ``NAME:N`` (``--dataset sine:1000`` calls ``loader(1000)``); its loader
        raises :class:`~nnbench.errors.DatasetError` for a size it does not take, or, as a
        :class:`nnbench.datasets.GeneratedDataset`, declares its sizes so that they are
        checked before it runs. Loaders are called only when a dataset is used, so
        registering one costs nothing.

    All results are collected and merged; one name contributed by two plugins is a
    :class:`~nnbench.errors.PluginError` that names both plugins.

    Example::

        @hookimpl
        def nnbench_datasets():
            return {"sine": lambda: Dataset(X, y, name="sine"),
                    "noisy_sine": lambda n: make_sine(n)}   # used as noisy_sine:N
    """


@hookspec
def nnbench_problems() -> list[ProblemSpec]:  # type: ignore[empty-body]  # a spec: no body
    """Contribute named problems (:class:`nnbench.contract.problems.ProblemSpec`): a dataset
    with its preparation, a network and loss, a budget and a success target, run with
    ``nnbench run --problem NAME`` or named by a suite.

    :returns: a list of :class:`~nnbench.contract.problems.ProblemSpec`. Their datasets are
        looked up when a problem is run, so a problem may use a dataset its plugin contributes.

    All results are collected; one name contributed by two plugins is a
    :class:`~nnbench.errors.PluginError` that names both plugins.

    Example::

        @hookimpl
        def nnbench_problems():
            return [ProblemSpec("sine", DatasetSpec("sine"), NetworkSpec((8,), activation="tanh"),
                                Budget(max_evals=2000), TargetSpec("r2", 0.99))]
    """


@hookspec
def nnbench_suites() -> list[SuiteSpec]:  # type: ignore[empty-body]  # a spec: no body
    """Contribute named suites (:class:`nnbench.contract.problems.SuiteSpec`): a version and a
    list of problem names, run with ``nnbench run --suite NAME``.

    :returns: a list of :class:`~nnbench.contract.problems.SuiteSpec`; the problems it names
        may come from any plugin. One suite name from two plugins is a
        :class:`~nnbench.errors.PluginError` naming both; a suite naming a problem nobody
        contributes is one when the suite is run or listed.
    """


@hookspec
def nnbench_trial_finished(result: dict[str, Any]) -> None:
    """Observe one finished trial (an observer: return values are ignored).

    :param result: the trial's record, the JSON-ready ``dict`` written as one line of the
        results file (keys as in DESIGN.md, *TrialResult*: ``dataset``, ``trainer``,
        ``seed``, ``status``, ``best_cost``, ...). Do not modify it.

    Called by the harness in the main process once per trial, in the order trials finish,
    after the record is written. Use it to stream results elsewhere (a dashboard, a
    database). An exception raised here is reported as a warning naming the plugin and the
    run goes on (an error with strict plugins).

    Example::

        @hookimpl
        def nnbench_trial_finished(result):
            print(result["trainer"], result["best_cost"])
    """
