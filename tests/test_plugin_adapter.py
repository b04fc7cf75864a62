"""What the four library plugins share (nnbench.adapter), and how they load: through nnbench's
own entry points, without importing their library until a trainer runs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from nnbench.errors import BudgetExhausted, ConfigError
from nnbench.contract.instrument import InstrumentedObjective
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.testing import tutorial_problem
from nnbench.trainer import Budget
from nnbench.adapter import DEFAULT_MAX_EVALS, SEED_RANGE, LibraryTrain, Outcome, library_version, seed_from
from nnbench.contract.options import check_option

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

#: entry-point name (= the library's import name) -> the plugin module.
PLUGINS = {"torch": "nnbench_torch", "cma": "nnbench_cma", "nevergrad": "nnbench_nevergrad", "nlopt": "nnbench_nlopt"}

installed = pytest.mark.parametrize("library", [
    pytest.param(lib, marks=pytest.mark.skipif(importlib.util.find_spec(lib) is None, reason=f"{lib} is not installed"))
    for lib in PLUGINS])


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


@installed
def test_listing_trainers_and_a_run_without_the_plugin_never_import_the_library(library, tmp_path):
    out = _python(
        "import sys\n"
        "import nnbench.plugins as p\n"
        "r = p.Registry(); names = [t.name for t in r.trainers() if t.plugin == %r]\n"
        "from nnbench.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "main(['list', 'trainers'])\n"
        "main(['run', '--trainers', 'adam', '--seeds', '1', '--out', %r, '--quiet'])\n"
        "print(len(names), %r in sys.modules)\n" % (library, str(tmp_path / "run.jsonl"), library))
    count, imported = out.splitlines()[-1].split()
    assert int(count) > 0 and imported == "False"


@installed
def test_prepare_imports_the_library(library):
    assert _python(f"import sys, {PLUGINS[library]} as m; m.prepare(); print({library!r} in sys.modules)").strip() == "True"


@installed
def test_plugins_load_through_nnbench_entry_points_and_can_be_blocked(library):
    registry = Registry(get_plugin_manager(strict=True))
    mine = [t for t in registry.trainers() if t.plugin == library]
    assert mine and all(t.library == library_version(library) for t in mine)
    assert library in {p.name for p in registry.plugin_info()}
    blocked = Registry(get_plugin_manager(extra=[f"no:{library}"], strict=True))
    assert not [t for t in blocked.trainers() if t.plugin == library]
    assert len(blocked.trainers()) == len(registry.trainers()) - len(mine)


@pytest.mark.parametrize("library", list(PLUGINS))
def test_an_absent_library_gives_no_trainers(library):
    # sys.modules[name] = None makes importlib.util.find_spec(name) return None, as for a
    # library that is not installed
    out = _python(f"import sys; sys.modules[{library!r}] = None\n"
                  f"import {PLUGINS[library]} as m\n"
                  "from nnbench.plugins import Registry, get_plugin_manager\n"
                  "r = Registry(get_plugin_manager(strict=True))\n"
                  f"print(repr(m.LIBRARY), m.TRAINERS, m.nnbench_trainers(), "
                  f"[t.name for t in r.trainers() if t.plugin == {library!r}])")
    assert out.strip() == "'' () [] []"


def test_library_version_reads_metadata_without_importing():
    assert library_version("nnbench_no_such_library") == ""
    assert library_version("numpy") == f"numpy {np.__version__}"
    assert library_version("yaml", "nnbench_no_such_distribution") in ("", "nnbench_no_such_distribution (version unknown)")


def test_library_options_are_checked_by_their_declaration_and_direct_calls_refuse_unknown_ones():
    from nnbench.trainer import Trainer

    defaults = {"lr": 1e-3, "history_size": 100, "amsgrad": False, "popsize": None}
    t = Trainer(name="t", family="first-order", train=LibraryTrain("t", "spend", _spend, tuple(defaults.items())),
                summary="test", options=defaults, probe_options=True)
    assert check_option(t, "lr", 1, "o") == 1 and check_option(t, "popsize", 7, "o") == 7
    cases = [("lrr", 1.0, "o: t has no option 'lrr' (did you mean lr?)"),
             ("lr", "fast", "o: must be a number, got 'fast'"),
             ("amsgrad", "yes", "o: must be true or false or an integer, got 'yes'")]
    for key, value, message in cases:
        with pytest.raises(ConfigError) as exc:
            check_option(t, key, value, "o")
        assert str(exc.value) == message
    objective, x0 = tutorial_problem()
    with pytest.raises(TypeError, match=r"^t got unexpected options \['lrr'\]$"):
        t.train(objective, x0, Budget(10), np.random.default_rng(0), lrr=1.0)


def test_seed_from_is_reproducible_and_in_range():
    seeds = [seed_from(np.random.default_rng(s)) for s in range(200)]
    assert seeds == [seed_from(np.random.default_rng(s)) for s in range(200)]
    assert all(SEED_RANGE[0] <= s < SEED_RANGE[1] for s in seeds) and len(set(seeds)) == 200


def _spend(method, tracked, x0, budget, rng, options):
    """A solver that never stops by itself: it evaluates x0 - 0.01 k until a budget stops it."""
    for k in range(10**9):
        tracked.fun(x0 - 0.01 * k)
    raise AssertionError("unreachable")


def test_library_train_stops_at_its_own_budget_with_the_best_point():
    objective, x0 = tutorial_problem()
    train = LibraryTrain("spender", "spend", _spend)
    result = train(objective, x0, Budget(max_evals=30), np.random.default_rng(0))
    costs = [objective.fun(x0 - 0.01 * k) for k in range(30)]
    assert (result.success, result.status, result.nfev) == (False, -2, 30)
    assert result.message == "spender: stopped at the budget of 30 evaluations"
    assert result.fun == min(costs) and np.array_equal(result.x, x0 - 0.01 * int(np.argmin(costs)))
    counted = InstrumentedObjective(objective)
    unlimited = train(counted, x0, Budget(max_evals=None, max_seconds=60), np.random.default_rng(0))
    assert counted.evaluations == unlimited.nfev == DEFAULT_MAX_EVALS


def test_library_train_passes_the_harness_budget_through():
    objective, x0 = tutorial_problem()
    harness = InstrumentedObjective(objective, Budget(max_evals=10))
    with pytest.raises(BudgetExhausted):
        LibraryTrain("spender", "spend", _spend)(harness, x0, Budget(max_evals=1000), np.random.default_rng(0))
    assert harness.evaluations == 10


def test_library_train_reports_nan_when_no_cost_was_finite():
    objective, x0 = tutorial_problem()

    def solve(method, tracked, x0, budget, rng, options):
        return Outcome(True, 0, "converged")

    result = LibraryTrain("idle", "idle", solve)(objective, x0, Budget(), np.random.default_rng(0))
    assert np.isnan(result.fun) and not result.success and np.array_equal(result.x, x0)
    assert result.message == "converged"


def test_import_library_silences_only_the_declared_import_warnings(tmp_path, monkeypatch):
    import warnings

    from nnbench.contract import adapter as nnbench_adapter

    (tmp_path / "nnbench_test_noisy.py").write_text(
        "import warnings\n"
        "warnings.warn('Could not import matplotlib.pyplot, therefore plots are not available')\n")
    (tmp_path / "nnbench_test_louder.py").write_text("import warnings\nwarnings.warn('something else')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(nnbench_adapter.IMPORT_WARNINGS, "nnbench_test_noisy", (r"Could not import matplotlib\.pyplot",))
    monkeypatch.setitem(nnbench_adapter.IMPORT_WARNINGS, "nnbench_test_louder", (r"Could not import",))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nnbench_adapter.import_library("nnbench_test_noisy").__name__ == "nnbench_test_noisy"
        with pytest.raises(UserWarning, match="^something else$"):
            nnbench_adapter.import_library("nnbench_test_louder")
    monkeypatch.delitem(sys.modules, "nnbench_test_noisy", raising=False)
    monkeypatch.delitem(sys.modules, "nnbench_test_louder", raising=False)
