"""Problems and suites as named units: the bundled ones, their targets (cost, accuracy, R^2)
asked outside the budget, the command line, suite files, plugins' problems and suites."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from nnbench import Budget, DatasetSpec, NetworkSpec, ProblemSpec, Suite, SuiteSpec, TargetSpec
from nnbench.cli import main
from nnbench.contract.problems import BUILTIN_PROBLEMS, BUILTIN_SUITES, DEFAULT_SUITE
from nnbench.core.fit import class_accuracy, r_squared
from nnbench.errors import ConfigError, PluginError
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.results.store import read_results
from nnbench.running.suite import make_plan, run
from nnbench.running.suitefile import load_suite_file
from nnbench.running.trial import build_objective

from _plugins import plugin_module


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))


def test_the_bundled_suites_name_bundled_problems_and_the_default_has_both_tasks(registry):
    assert set(BUILTIN_SUITES) == {"default", "classic", "uci"}
    assert BUILTIN_SUITES["classic"].problems == ("xor", "parity:4", "encoder:8", "two_spirals")
    assert BUILTIN_SUITES["uci"].problems == ("iris", "wine", "breast_cancer", "diabetes", "digits")
    for name in BUILTIN_SUITES:
        spec, problems = registry.suite(name)
        assert spec.version == "1" and [p.name for p in problems] == list(spec.problems)
    tasks = {BUILTIN_PROBLEMS[p].task for p in BUILTIN_SUITES[DEFAULT_SUITE].problems}
    assert tasks == {"regression", "classification"} and "tutorial" in BUILTIN_SUITES[DEFAULT_SUITE].problems


def test_every_bundled_problem_builds_with_one_output_per_class(registry):
    for name, p in BUILTIN_PROBLEMS.items():
        objective, test = build_objective(p.dataset, p.network, registry.catalog())
        classes = objective.dataset.classes
        if p.network.loss == "cross_entropy":
            assert classes is not None and objective.y.shape[1] == len(classes), name
        assert (test is not None) == (p.dataset.test_size is not None), name
        assert p.budget is not None and p.budget.max_evals is not None, name


def test_a_target_is_checked_when_it_is_made():
    with pytest.raises(ConfigError, match=r"^TargetSpec.metric: must be one of 'cost', 'accuracy', 'r2', got "
                                          r"'acc' \(did you mean accuracy\?\)$"):
        TargetSpec("acc", 0.9)
    with pytest.raises(ConfigError, match=r"^TargetSpec.value: must be a positive number of at most 1, got 1.5$"):
        TargetSpec("accuracy", 1.5)
    with pytest.raises(ConfigError, match=r"^TargetSpec.value: must be a number <= 1, got 2$"):
        TargetSpec("r2", 2)
    with pytest.raises(ConfigError, match=r"^TargetSpec.value: must be a finite number, got inf$"):
        TargetSpec("cost", float("inf"))
    assert TargetSpec("cost", 1e-3).label == "cost <= 0.001"
    assert TargetSpec("accuracy", 1).label == "accuracy >= 1"


def test_accuracy_and_r2_targets_ask_the_network_at_the_weights(registry):
    objective, _ = build_objective(DatasetSpec("xor"), NetworkSpec((2,), output_activation="sigmoid", loss="bce"),
                                   registry.catalog())
    theta = objective.x0(np.random.default_rng(0))
    acc = class_accuracy(objective.y, objective.predict(theta))
    assert TargetSpec("accuracy", acc).predicate(objective)(theta)
    assert not TargetSpec("accuracy", acc + 0.25).predicate(objective)(theta)
    assert TargetSpec("cost", 1.0).predicate(objective) is None
    reg, _ = build_objective(DatasetSpec("tutorial"), NetworkSpec((2,), bias=False), registry.catalog())
    w = reg.x0(np.random.default_rng(1))
    r2 = r_squared(reg.y, reg.predict(w))
    assert TargetSpec("r2", min(r2, 1.0)).predicate(reg)(w) and not TargetSpec("r2", 1.0).predicate(reg)(w)


def test_a_named_problem_runs_with_its_budget_and_its_accuracy_target(registry):
    recs = run(Suite(problems=["iris"], trainers="BFGS", seeds=[0, 1]), registry)
    assert len(recs) == 2
    objective, _ = build_objective(BUILTIN_PROBLEMS["iris"].dataset, BUILTIN_PROBLEMS["iris"].network,
                                   registry.catalog())
    for r in recs:
        assert (r.problem_name, r.target, r.target_metric) == ("iris", 0.97, "accuracy")
        assert r.budget == BUILTIN_PROBLEMS["iris"].budget
        assert r.reached_target is True and 1 <= r.evals_to_target <= r.evaluations
        # the first best-so-far point at that evaluation classifies >= 97% of the training rows
        first = [h for h in r.history if h[0] == r.evals_to_target]
        assert first and class_accuracy(objective.y, objective.predict(r.best_x)) >= 0.97
    assert all(r.time_to_target_s <= r.wall_time_s for r in recs)


def test_a_missed_accuracy_target_is_recorded_as_missed(registry):
    recs = run(Suite(problems=[BUILTIN_PROBLEMS["xor"].overridden({"max_evals": 3})], trainers="Nelder-Mead",
                     seeds=1), registry)
    assert recs[0].reached_target is False and recs[0].evals_to_target is None and recs[0].evaluations == 3


def test_the_budget_and_target_put_over_a_named_problem_keep_the_rest(registry):
    p = BUILTIN_PROBLEMS["two_spirals"]
    q = p.overridden({"max_evals": 200})
    assert q.budget == Budget(200, p.budget.max_seconds) and q.target == p.target
    assert p.overridden(target_cost=0.5).target == TargetSpec("cost", 0.5)
    plan = make_plan(Suite(problems=["xor", (DatasetSpec("tutorial"), NetworkSpec())], budget=Budget(7)), registry)
    assert [pp.budget for pp in plan.problems] == [BUILTIN_PROBLEMS["xor"].budget, Budget(7)]
    assert [pp.name for pp in plan.problems] == ["xor", None]


def test_the_command_line_runs_problems_and_suites(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--problem", "xor", "--problem", "iris", "--trainers", "BFGS", "--seeds", "2",
                 "--max-evals", "40", "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "xor | h2 sigmoid out=sigmoid bce | 9 weights | target accuracy >= 1" in text
    assert "| target accuracy >= 0.97" in text
    meta, recs = read_results(out)
    assert {r.problem_name for r in recs} == {"xor", "iris"} and meta.suite is None
    assert all(r.budget == Budget(40, BUILTIN_PROBLEMS[r.problem_name].budget.max_seconds) for r in recs)


@pytest.mark.parametrize("argv, message", [
    (["--problem", "iris", "--dataset", "tutorial", "--hidden", "3"],
     "--problem brings its own data and network; drop --dataset, --hidden (or drop --problem and describe the "
     "problem with them)"),
    (["--suite", "uci", "--loss", "mse"],
     "--suite brings its own data and network; drop --loss (or drop --suite and describe the problem with them)"),
    (["--problem", "iris", "--suite", "uci"], "give --problem or --suite, not both (a suite is a list of problems)"),
    (["--problem", "irsi"], "--problem irsi: unknown problem (did you mean iris?); registered: "
                            + ", ".join(BUILTIN_PROBLEMS) + "; `nnbench list problems` lists them"),
    (["--suite", "clasic"], "--suite clasic: unknown suite (did you mean classic?); registered: default, classic, "
                            "uci; `nnbench list suites` lists them"),
])
def test_bad_problem_options_are_one_line_before_anything_runs(tmp_path, capsys, argv, message):
    out = tmp_path / "r.jsonl"
    assert main(["run", *argv, "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"nnbench: error: {message}\n"
    assert not out.exists()


def test_list_problems_and_suites(capsys):
    assert main(["list", "problems"]) == 0
    text = capsys.readouterr().out
    for name, p in BUILTIN_PROBLEMS.items():
        line = next(line for line in text.splitlines() if line.startswith(name + " "))
        assert p.task in line and p.target.label in line and f"{p.budget.max_evals} evals" in line
    assert main(["list", "suites"]) == 0
    text = capsys.readouterr().out
    assert "xor, parity:4, encoder:8, two_spirals" in text and "iris, wine, breast_cancer, diabetes, digits" in text


def test_a_suite_file_names_problems_and_its_budget_goes_over_theirs(tmp_path, registry):
    path = tmp_path / "suite.toml"
    path.write_text('seeds = 1\n[budget]\nmax_evals = 30\n[[problems]]\nproblem = "xor"\n')
    sf = load_suite_file(path, registry)
    (p,) = make_plan(sf.suite, registry).problems
    assert p.name == "xor" and p.budget == Budget(30, BUILTIN_PROBLEMS["xor"].budget.max_seconds)
    assert p.target == TargetSpec("accuracy", 1.0)
    path.write_text('[[problems]]\nproblem = "xor"\ndataset = "d"\n')
    with pytest.raises(ConfigError) as info:
        load_suite_file(path, registry)
    assert str(info.value) == (f"{path}, line 3: problems[0].dataset: a named problem brings its own data and "
                               "network; give problem or dataset, not both")
    path.write_text('[[problems]]\nproblem = "xr"\n')
    with pytest.raises(ConfigError) as info:
        load_suite_file(path, registry)
    assert str(info.value).startswith(f"{path}, line 2: problems[0].problem xr: unknown problem (did you mean xor?)")


PLUGIN = textwrap.dedent('''
    import numpy as np
    from nnbench import Budget, Dataset, DatasetSpec, NetworkSpec, ProblemSpec, SuiteSpec, TargetSpec, hookimpl

    @hookimpl
    def nnbench_datasets():
        X = np.linspace(-1, 1, 21)[:, None]
        return {"line": lambda: Dataset(X, 2 * X + 1, name="line")}

    @hookimpl
    def nnbench_problems():
        return [ProblemSpec("line-fit", DatasetSpec("line"), NetworkSpec((), loss="mse"), Budget(200),
                            TargetSpec("r2", 0.999), "y = 2x + 1")]

    @hookimpl
    def nnbench_suites():
        return [SuiteSpec("lines", "3", ("line-fit",), "one line")]
''')


def test_a_plugin_contributes_a_problem_and_a_versioned_suite(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    with plugin_module(tmp_path, "lineplugin", PLUGIN) as module:
        assert main(["run", "-p", module, "--suite", "lines", "--trainers", "BFGS", "--seeds", "1",
                     "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    meta, (rec,) = read_results(out)
    assert (meta.suite, meta.suite_version) == ("lines", "3")
    assert rec.problem_name == "line-fit" and rec.target_metric == "r2" and rec.reached_target is True
    assert rec.n_params == 2 and rec.best_cost < 1e-12  # a linear model fits a line exactly


def test_two_plugins_with_one_problem_name_and_a_suite_of_missing_problems_are_plugin_errors(tmp_path):
    with plugin_module(tmp_path, "dup", textwrap.dedent('''
            from nnbench import DatasetSpec, NetworkSpec, ProblemSpec, SuiteSpec, hookimpl

            @hookimpl
            def nnbench_problems():
                return [ProblemSpec("xor", DatasetSpec("xor"), NetworkSpec((3,)))]

            @hookimpl
            def nnbench_suites():
                return [SuiteSpec("broken", "1", ("nowhere",))]
            ''')) as module:
        registry = Registry(get_plugin_manager(extra=(module,), autoload=False))
        with pytest.raises(PluginError, match="^two problems are named 'xor': one from plugin "
                                              "'nnbench.contract.builtin', one from plugin 'dup'$"):
            registry.problems()
        registry._named["nnbench_problems"] = {}  # as if the duplicate were gone
        with pytest.raises(PluginError, match="^suite 'broken' of plugin 'dup' names problems that no plugin "
                                              "contributes: nowhere$"):
            registry.suite("broken")


def test_specs_check_their_fields():
    with pytest.raises(ConfigError, match="^problem 'a b': a problem's name takes letters, digits"):
        ProblemSpec("a b", DatasetSpec("xor"), NetworkSpec())
    with pytest.raises(ConfigError, match="^problem 'p': budget must be a nnbench.Budget or None, got 5$"):
        ProblemSpec("p", DatasetSpec("xor"), NetworkSpec(), budget=5)
    with pytest.raises(ConfigError, match="^suite 's': problems must be a non-empty list of problem names"):
        SuiteSpec("s", "1", ())


def test_the_problems_page_lists_each_bundled_problem_as_it_is_defined():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "problems.md").read_text()
    for name, p in BUILTIN_PROBLEMS.items():
        row = (f"| `{name}` | `{p.dataset.label}` | `{p.network.label}` | {p.budget.max_evals} evaluations | "
               f"{p.target.label} |")
        assert row in text, row
    for s in BUILTIN_SUITES.values():
        assert f"| `{s.name}` | {s.version} | {', '.join(f'`{p}`' for p in s.problems)} |" in text
