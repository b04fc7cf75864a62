"""The plugin manager and Registry: built-ins, guarded entry points, -p modules, clear errors.

Each test builds a fresh PluginManager; entry points come from fake distributions
(importlib.metadata.distributions monkeypatched), never from installs.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import textwrap
import warnings
from pathlib import Path

import pytest

from nnbench import hookspecs
from nnbench.errors import ConfigError, PluginError
from nnbench.plugins import (BUILTIN_PLUGINS, PluginInfo, PluginWarning, Registry, get_plugin_manager,
                             plugin_rows, trainer_rows)
from nnbench.trainer import FAMILIES

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

README = Path(__file__).resolve().parents[1] / "plugins" / "README.md"

GOOD_PLUGIN = """
from nnbench.hookspecs import hookimpl
from nnbench.trainer import Trainer, TrainResult

def train(objective, x0, budget, rng, **options):
    return TrainResult(x=x0.copy(), fun=objective.fun(x0), success=True)

@hookimpl
def nnbench_trainers():
    return [Trainer(name={name!r}, family="local-derivative-free", train=train, summary="stays at x0")]
"""


class FakeDist:
    """Just what nnbench.plugins reads from an importlib.metadata.Distribution."""

    def __init__(self, name: str, version: str, entry_points: list[tuple[str, str]]) -> None:
        self.metadata = {"Name": name, "Version": version}  # as a METADATA file's fields
        self.version = version
        self.entry_points = [importlib.metadata.EntryPoint(n, v, "nnbench") for n, v in entry_points]
        self.entry_points.append(importlib.metadata.EntryPoint("other", "os", "console_scripts"))


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """Write a module into tmp_path (importable) and return its name."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()
        monkeypatch.delitem(__import__("sys").modules, name, raising=False)
        return name

    return write


@pytest.fixture
def dists(monkeypatch):
    """Set the distributions importlib.metadata reports."""
    monkeypatch.delenv("NNBENCH_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("NNBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)

    def set_dists(*fake: FakeDist) -> None:
        monkeypatch.setattr(importlib.metadata, "distributions", lambda: list(fake))

    set_dists()
    return set_dists


def test_builtins_register_by_import_path(dists, n_builtin_trainers):
    registry = Registry(get_plugin_manager())
    assert [p.name for p in registry.plugin_info()] == list(BUILTIN_PLUGINS)
    trainers = registry.trainers()
    assert len(trainers) == n_builtin_trainers
    assert {t.plugin for t in trainers} == {"nnbench_scipy", "nnbench_firstorder"}
    counts = {f: sum(t.family == f for t in trainers) for f in FAMILIES}
    assert counts == {"local-gradient": 11, "local-derivative-free": 4, "global": 5, "least-squares": 3,
                      "first-order": 5}


def test_entry_point_plugin_is_loaded_with_its_version(dists, modules):
    dists(FakeDist("nnbench-good", "1.2.3", [("good", modules("nnbench_test_good", GOOD_PLUGIN.format(name="stay")))]))
    registry = Registry(get_plugin_manager())
    assert registry.trainer("STAY").plugin == "good"
    assert registry.plugin_info()[-1] == PluginInfo("good", "1.2.3", ("nnbench_trainers",), "nnbench-good")
    assert plugin_rows(registry)[-1] == {"name": "good", "version": "1.2.3", "hooks": "nnbench_trainers"}


def test_plugin_that_raises_on_import_warns_and_the_others_still_work(dists, modules, n_builtin_trainers):
    modules("nnbench_test_broken", "raise RuntimeError('boom at import')\n")
    dists(FakeDist("nnbench-broken", "0.1", [("broken", "nnbench_test_broken")]))
    with pytest.warns(PluginWarning) as record:
        registry = Registry(get_plugin_manager())
    assert [str(w.message) for w in record] == [
        "plugin 'broken' (entry point broken = nnbench_test_broken) from distribution nnbench-broken 0.1 "
        "failed to load: RuntimeError: boom at import"]
    assert len(registry.trainers()) == n_builtin_trainers


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_strict_plugins_turn_a_failed_load_into_an_error(dists, modules, monkeypatch, how):
    modules("nnbench_test_broken2", "import nnbench_no_such_module_xyz\n")
    dists(FakeDist("nnbench-broken2", "2.0", [("broken2", "nnbench_test_broken2")]))
    kwargs = {"strict": True} if how == "argument" else {}
    if how == "environment":
        monkeypatch.setenv("NNBENCH_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError) as exc:
        get_plugin_manager(**kwargs)
    assert str(exc.value) == (
        "plugin 'broken2' (entry point broken2 = nnbench_test_broken2) from distribution nnbench-broken2 2.0 "
        "failed to load: ModuleNotFoundError: No module named 'nnbench_no_such_module_xyz'")


def test_autoload_can_be_disabled_by_environment(dists, modules, monkeypatch):
    dists(FakeDist("nnbench-good", "1.0", [("good", modules("nnbench_test_good2", GOOD_PLUGIN.format(name="stay")))]))
    monkeypatch.setenv("NNBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert [name for name, _ in get_plugin_manager().list_name_plugin()] == list(BUILTIN_PLUGINS)
    assert "good" in dict(get_plugin_manager(autoload=True).list_name_plugin())


def test_same_distribution_seen_twice_is_loaded_once(dists, modules):
    name = modules("nnbench_test_twice", GOOD_PLUGIN.format(name="twice"))
    dists(FakeDist("nnbench_Twice", "1.0", [("twice", name)]), FakeDist("nnbench-twice", "1.0", [("twice-again", name)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry = Registry(get_plugin_manager())
    assert [p.name for p in registry.plugin_info()].count("twice") == 1
    assert "twice-again" not in [p.name for p in registry.plugin_info()]


def test_two_distributions_claiming_one_plugin_name_warn(dists, modules):
    dists(FakeDist("nnbench-a", "1.0", [("same", modules("nnbench_test_a", GOOD_PLUGIN.format(name="a")))]),
          FakeDist("nnbench-b", "2.0", [("same", modules("nnbench_test_b", GOOD_PLUGIN.format(name="b")))]))
    with pytest.warns(PluginWarning) as record:
        registry = Registry(get_plugin_manager())
    assert [str(w.message) for w in record] == [
        "plugin 'same' (entry point same = nnbench_test_b) from distribution nnbench-b 2.0 failed to load: "
        "PluginError: the name 'same' is already taken by another plugin"]
    assert registry.trainer("a").plugin == "same" and "b" not in registry.names()


def test_misspelled_hook_is_an_error_naming_plugin_and_hook(dists, modules):
    name = modules("nnbench_test_typo", """
        from nnbench.hookspecs import hookimpl

        @hookimpl
        def nnbench_trainer():
            return []
        """)
    with pytest.raises(PluginError) as exc:
        get_plugin_manager(extra=[name])
    assert str(exc.value) == (
        "plugin 'nnbench_test_typo' implements unknown hook 'nnbench_trainer' (did you mean nnbench_trainers?); "
        "known hooks: nnbench_datasets, nnbench_problems, nnbench_suites, nnbench_trainers, nnbench_trial_finished")


def test_p_module_that_does_not_import_is_an_error_naming_it(dists):
    with pytest.raises(PluginError) as exc:
        get_plugin_manager(extra=["nnbench_no_such_plugin_xyz"])
    assert str(exc.value) == ("plugin given with -p 'nnbench_no_such_plugin_xyz' failed to import: "
                              "ModuleNotFoundError: No module named 'nnbench_no_such_plugin_xyz'")


def test_duplicate_trainer_name_is_an_error_naming_both_plugins(dists, modules):
    name = modules("nnbench_test_dup", GOOD_PLUGIN.format(name="ADAM"))
    registry = Registry(get_plugin_manager(extra=[name]))
    with pytest.raises(PluginError) as exc:
        registry.trainers()
    assert str(exc.value) == (
        "two trainers are named 'ADAM': one from plugin 'nnbench_firstorder', one from plugin "
        "'nnbench_test_dup'; rename one, or block a plugin with -p no:NAME")


def test_p_no_blocks_a_plugin(dists, modules):
    name = modules("nnbench_test_dup2", GOOD_PLUGIN.format(name="adam"))
    registry = Registry(get_plugin_manager(extra=["no:nnbench_firstorder", name]))
    assert registry.trainer("adam").plugin == "nnbench_test_dup2"
    assert "momentum" not in registry.names()


def test_hook_returning_the_wrong_type_is_an_error_naming_the_plugin(dists, modules):
    name = modules("nnbench_test_wrong", """
        from nnbench.hookspecs import hookimpl

        @hookimpl
        def nnbench_trainers():
            return "adam"
        """)
    with pytest.raises(PluginError, match=r"^plugin 'nnbench_test_wrong': nnbench_trainers must return a list"):
        Registry(get_plugin_manager(extra=[name])).trainers()


def test_trainer_lookup_is_case_insensitive_and_unknown_names_suggest(dists, n_builtin_trainers):
    registry = Registry(get_plugin_manager())
    assert registry.trainer("l-bfgs-b").name == "L-BFGS-B"
    assert registry.trainer("NELDER-MEAD").name == "Nelder-Mead"
    with pytest.raises(ConfigError) as exc:
        registry.trainer("lbfgsb")
    assert str(exc.value) == ("unknown trainer 'lbfgsb' (did you mean L-BFGS-B or BFGS?); "
                              f"`nnbench list trainers` lists all {n_builtin_trainers}")


def test_select_by_all_family_and_name(dists, n_builtin_trainers):
    registry = Registry(get_plugin_manager())
    assert len(registry.select("all")) == n_builtin_trainers
    assert registry.names()[:2] == ["Nelder-Mead", "Powell"]
    assert [t.name for t in registry.select("least-squares, ADAM")] == [
        "least_squares-trf", "least_squares-dogbox", "least_squares-lm", "adam"]
    assert [t.name for t in registry.select(["global"], exclude="shgo,direct")] == [
        "basinhopping", "differential_evolution", "dual_annealing"]
    with pytest.raises(ConfigError) as exc:
        registry.select("globl")
    assert str(exc.value) == ("--trainers: unknown trainer or family 'globl' (did you mean global, COBYLA or all?); "
                              "families: local-gradient, local-derivative-free, global, least-squares, first-order; "
                              "`nnbench list trainers` lists the trainers")
    with pytest.raises(ConfigError, match=r"^trainer selection \['adam'\] excluding \['first-order'\] leaves no trainer$"):
        registry.select("adam", exclude="first-order")


def test_datasets_come_from_the_builtin_plugin_and_clash_by_name(dists, modules):
    registry = Registry(get_plugin_manager())
    assert {"tutorial", "xor", "diabetes"} <= set(registry.catalog())
    assert registry.catalog()["tutorial"].load().X.shape == (4, 2)
    assert registry.catalog()["tutorial"].plugin == "nnbench.contract.builtin"
    name = modules("nnbench_test_data", """
        from nnbench.hookspecs import hookimpl

        @hookimpl
        def nnbench_datasets():
            return {"xor": lambda: None}
        """)
    with pytest.raises(PluginError) as exc:
        Registry(get_plugin_manager(extra=[name])).catalog()
    assert str(exc.value) == "two datasets are named 'xor': one from plugin 'nnbench.contract.builtin', one from plugin 'nnbench_test_data'"


def test_trial_finished_observers_get_the_record_and_failures_warn(dists, modules):
    name = modules("nnbench_test_observer", """
        from nnbench.hookspecs import hookimpl
        SEEN = []

        @hookimpl
        def nnbench_trial_finished(result):
            SEEN.append(result["trainer"])
            if result["trainer"] == "bad":
                raise KeyError("best_cost")
        """)
    registry = Registry(get_plugin_manager(extra=[name]))
    registry.call_trial_finished({"trainer": "adam"})
    assert __import__(name).SEEN == ["adam"]
    with pytest.warns(PluginWarning) as record:
        registry.call_trial_finished({"trainer": "bad"}, strict=False)
    assert [str(w.message) for w in record] == [
        "plugin 'nnbench_test_observer' failed in hook nnbench_trial_finished: KeyError: 'best_cost'"]
    with pytest.raises(PluginError):
        registry.call_trial_finished({"trainer": "bad"}, strict=True)


def test_trainer_rows_for_the_listing(dists, n_builtin_trainers):
    rows = trainer_rows(Registry(get_plugin_manager()))
    assert len(rows) == n_builtin_trainers
    assert list(rows[0]) == ["name", "plugin", "family", "uses", "max_params", "stochastic", "summary"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["trust-exact"]["uses"] == "gradient, hess"
    assert by_name["Newton-CG"]["uses"] == "gradient, hessp"
    assert by_name["least_squares-lm"]["uses"] == "residual_jac"
    assert by_name["Nelder-Mead"]["uses"] == "-"
    assert by_name["differential_evolution"]["stochastic"] == "yes"
    assert [r["family"] for r in rows] == sorted((r["family"] for r in rows), key=FAMILIES.index)


def test_every_hook_is_documented_with_its_signature():
    specs = [name for name, f in vars(hookspecs).items() if name.startswith("nnbench_") and callable(f)]
    assert sorted(specs) == ["nnbench_datasets", "nnbench_trainers", "nnbench_trial_finished"]
    readme = README.read_text()
    for name in specs:
        func = getattr(hookspecs, name)
        assert func.__doc__ and (":returns:" in func.__doc__ or ":param" in func.__doc__)
        params = ", ".join(inspect.signature(func).parameters)
        assert f"{name}({params})" in readme, f"plugins/README.md does not show {name}({params})"
