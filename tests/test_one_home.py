"""Each fact in one place: the cases that 0.1 got wrong because a fact lived in several.

Defaults, option checks, the record's fields, the ranking rule, the dataset registry, the
hooks, the "did you mean" hint and the plan each have one home now; every test here names
the case it reproduces and asserts the exact outcome.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import pathlib
import re
import subprocess
import sys
import pytest
from _records import trial

import nnbench
from nnbench import Budget, DatasetSpec, NetworkSpec, Suite, defaults
from nnbench.cli import main
from nnbench.errors import ConfigError
from nnbench.reporting.measures import compare_to_best, runs_of
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.reporting.tables import summarize
from nnbench.results.store import read_results
from nnbench.running.suitefile import load_suite_file

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIAL = (DatasetSpec("tutorial"), NetworkSpec((2,), bias=False))


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.rstrip("\n")


def _run(tmp_path, *args) -> int:
    return main(["run", "--executor", "serial", "--seeds", "1", "--quiet", "--out", str(tmp_path / "r.jsonl"),
                 "--force", *args])


# -- defaults -------------------------------------------------------------------------------

def test_one_default_budget_and_seeds_everywhere(tmp_path, capsys):
    assert Budget() == Suite().budget == Budget(defaults.MAX_EVALS, defaults.TIME_LIMIT_S) == Budget(1000, 60.0)
    assert list(Suite().seeds) == list(range(defaults.SEEDS)) == list(range(10))
    path = tmp_path / "s.toml"
    path.write_text('trainers = "BFGS"\n')
    assert load_suite_file(path).suite.budget == Budget()
    assert main(["run", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "r.jsonl")]) == 0
    _, recs = read_results(tmp_path / "r.jsonl")
    assert {r.budget for r in recs} == {Budget()} and sorted(r.seed for r in recs) == list(range(10))
    capsys.readouterr()


# -- options --------------------------------------------------------------------------------

@pytest.mark.parametrize(("trainers", "option", "message"), [
    ("BFGS", "BFGS.gtoll=1", "--option BFGS.gtoll: BFGS has no option 'gtoll' (did you mean gtol or xrtol?)"),
    ("least_squares-trf", "least_squares-trf.gtoll=1",
     "--option least_squares-trf.gtoll: least_squares-trf has no option 'gtoll' (did you mean gtol, xtol or ftol?)"),
    ("adam", "adam.learning_rat=1",
     "--option adam.learning_rat: adam has no option 'learning_rat' (did you mean learning_rate?)"),
    ("BFGS", "BFGS.gtol=abc", "--option BFGS.gtol: must be a number, got 'abc'"),
    ("adam", "adam.learning_rate=-1", "--option adam.learning_rate: must be a positive number, got -1"),
    ("BFGS", "BFGS.maxiter=abc",
     "--option BFGS.maxiter: BFGS refused 'abc' in a dry run on a 2-weight quadratic (TypeError: '<' not supported "
     "between instances of 'int' and 'str')"),
    ("adam", "adamm.beta1=0.5",
     "--option adamm.beta1: unknown trainer 'adamm' (did you mean adam?); `nnbench list trainers` lists all {n}"),
])
def test_every_bad_option_is_a_one_line_error_before_any_trial(tmp_path, capsys, trainers, option, message,
                                                              n_builtin_trainers):
    assert _run(tmp_path, "--trainers", trainers, "--option", option) == 2
    assert _err(capsys) == f"nnbench: error: {message}".replace("{n}", str(n_builtin_trainers))
    assert not (tmp_path / "r.jsonl").exists()


def test_options_merge_case_insensitively_and_conflicts_name_both(tmp_path, capsys):
    assert _run(tmp_path, "--trainers", "BFGS", "--option", "bfgs.gtol=1e-3", "--option", "BFGS.maxiter=2") == 0
    capsys.readouterr()
    _, recs = read_results(tmp_path / "r.jsonl")
    assert {json.dumps(r.options, sort_keys=True) for r in recs} == {'{"gtol": 0.001, "maxiter": 2}'}
    assert all(r.nit == 2 for r in recs)  # maxiter reached scipy: both sets applied
    assert _run(tmp_path, "--trainers", "BFGS", "--option", "bfgs.gtol=1e-3", "--option", "BFGS.gtol=1e-2") == 2
    assert _err(capsys) == ("nnbench: error: --option BFGS.gtol: 0.01 conflicts with --option bfgs.gtol = 0.001 "
                            "(both set BFGS option 'gtol')")
    assert _run(tmp_path, "--trainers", "BFGS", "--option", "BFGS.gtol=1e-3", "--option", "BFGS.gtol=0.001") == 0
    capsys.readouterr()


def test_suite_file_options_merge_and_conflict_with_their_lines(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('trainers = "BFGS"\nseeds = 1\n[options.BFGS]\ngtol = 1e-3\n[options.bfgs]\nmaxiter = 2\n')
    assert main(["run", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "r.jsonl")]) == 0
    capsys.readouterr()
    _, recs = read_results(tmp_path / "r.jsonl")
    assert all(r.options == {"gtol": 1e-3, "maxiter": 2} for r in recs)
    path.write_text('trainers = "BFGS"\n[options.BFGS]\ngtol = 1e-3\n[options.bfgs]\ngtol = 1e-2\n')
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "q.jsonl")]) == 2
    assert _err(capsys) == (f"nnbench: error: {path}, line 5: options.bfgs.gtol: 0.01 conflicts with {path}, line 3: "
                            "options.BFGS.gtol = 0.001 (both set BFGS option 'gtol')")
    # the command line overrides the file, it does not conflict with it
    path.write_text('trainers = "BFGS"\nseeds = 1\n[options.BFGS]\ngtol = 1e-3\n')
    assert main(["run", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "q.jsonl"),
                 "--option", "BFGS.gtol=1e-2"]) == 0
    capsys.readouterr()
    assert {r.options["gtol"] for r in read_results(tmp_path / "q.jsonl")[1]} == {0.01}


def test_scipy_options_pass_through_as_scipy_takes_them(tmp_path, capsys):
    assert _run(tmp_path, "--trainers", "differential_evolution", "--dataset", "tutorial", "--hidden", "2",
                "--no-bias", "--max-evals", "200", "--option", "differential_evolution.mutation=0.5,1") == 0
    capsys.readouterr()
    (rec,) = read_results(tmp_path / "r.jsonl")[1]
    assert rec.status == "ok" and rec.options == {"mutation": [0.5, 1]} and rec.evaluations == 200


def test_suite_options_are_checked_with_the_field_named():
    with pytest.raises(ConfigError, match=r"^Suite.options\['BFGS'\]\['gtoll'\]: BFGS has no option 'gtoll' "
                                          r"\(did you mean gtol or xrtol\?\)$"):
        nnbench.run(Suite(problems=[TUTORIAL], trainers="BFGS", options={"BFGS": {"gtoll": 1}}))


# -- the Suite checks itself ----------------------------------------------------------------

def test_suite_fields_are_checked_when_it_is_made():
    assert Suite(seeds=5).seeds == range(5) and Suite(seeds=[3, 1]).seeds == (3, 1)
    for kwargs, message in [
        ({"seeds": [1.5]}, "Suite.seeds[0]: must be a non-negative integer, got 1.5"),
        ({"seeds": 0}, "Suite.seeds: must be an integer in [1, 1000000], got 0"),
        ({"seeds": [2, 2]}, "Suite.seeds: repeats a seed: [2, 2]"),
        ({"target": "x"}, "Suite.target: must be a non-negative number or None, got 'x'"),
        ({"problems": [("tutorial", "x")]}, "Suite.problems[0][1]: must be a NetworkSpec, got 'x'"),
        ({"problems": [3]}, "Suite.problems[0]: must be a (dataset, network) pair, a ProblemSpec or a "
                            "problem's name, got 3"),
        ({"budget": 100}, "Suite.budget: must be a nnbench.Budget, got 100"),
        ({"blas_threads": 0}, "Suite.blas_threads: must be a positive integer or None, got 0"),
        ({"options": {"adam": 0.1}}, "Suite.options['adam']: must be a mapping of option name to value, got 0.1"),
    ]:
        with pytest.raises(ConfigError) as exc:
            Suite(**kwargs)
        assert str(exc.value) == message
    with pytest.raises(ConfigError, match=r"^NetworkSpec.hidden: layer sizes must be positive integers \(0 alone: no "
                                          r"hidden layer\), got \(4, 0\)$"):
        NetworkSpec((4, 0))
    assert NetworkSpec((0,)).hidden == NetworkSpec(0).hidden == () and NetworkSpec(0).label == "linear sse"
    with pytest.raises(ConfigError, match=r"^Budget.max_evals: must be a positive integer or None, got 2.5$"):
        Budget(2.5)
    # a suite is immutable: replace() makes a new one, checked again
    with pytest.raises(ConfigError, match=r"^Suite.seeds"):
        dataclasses.replace(Suite(), seeds=-1)


# -- the typed record -----------------------------------------------------------------------

def test_a_semicolon_csv_keeps_its_delimiter_for_plots_and_resume(tmp_path, capsys):
    csv = tmp_path / "semi.csv"
    csv.write_text("a;b;y\n0;0;1\n0;1;0\n1;0;0\n1;1;1\n")
    out = tmp_path / "semi.jsonl"
    argv = ["run", "--dataset", str(csv), "--delimiter", ";", "--trainers", "BFGS", "--seeds", "2", "--quiet",
            "--executor", "serial", "--out", str(out)]
    assert main(argv) == 0
    _, recs = read_results(out)
    assert recs[0].dataset.delimiter == ";" and json.loads(out.read_text().splitlines()[1])["dataset"]["delimiter"] == ";"
    pytest.importorskip("matplotlib")
    from nnbench.reporting import plots

    plots.predictions(recs[0])  # reloads the data with its delimiter
    assert main([*argv, "--resume"]) == 0
    assert "2 of 2 trials are done, 0 to run" in capsys.readouterr().err
    assert len(read_results(out)[1]) == 2


def _results_with(tmp_path, edit) -> pathlib.Path:
    out = tmp_path / "r.jsonl"
    nnbench.run(Suite(problems=[TUTORIAL], trainers="BFGS", seeds=[0]), out=out)
    meta, line = out.read_text().splitlines()
    obj = json.loads(line)
    edit(obj)
    out.write_text(meta + "\n" + json.dumps(obj) + "\n")
    return out


@pytest.mark.parametrize(("edit", "message"), [
    (lambda o: o.pop("seed"), "line 2: trial record has no 'seed' field"),
    (lambda o: o.update(best_cost="abc"), "line 2: field 'best_cost': must be a number or null, got 'abc'"),
    (lambda o: o.update(status="done"),
     "line 2: field 'status': must be one of 'ok', 'failed', 'skipped', 'time limit', got 'done'"),
    (lambda o: o["train"].update(pearson_r="x"), "line 2: field 'train': pearson_r must be a number or null, got 'x'"),
    (lambda o: o.update(history=[[1, 2]]), "line 2: field 'history': entry 0 must be [evaluations, seconds, cost, work], "
                                           "got [1, 2]"),
    (lambda o: o["network"].update(loss="mae"), "line 2: field 'network': loss: unknown loss 'mae' (did you mean "
                                                "mse?); choose from sse, mse, half_mse, bce, cross_entropy"),
])
def test_a_damaged_record_is_a_one_line_error_naming_file_line_and_field(tmp_path, capsys, edit, message):
    path = _results_with(tmp_path, edit)
    assert main(["report", str(path)]) == 2
    assert _err(capsys) == f"nnbench: error: {path}, {message}"


def test_unknown_fields_are_ignored_and_schema_1_files_load(tmp_path, capsys):
    path = _results_with(tmp_path, lambda o: o.update(added_by_a_newer_nnbench=[1, 2, 3]))
    assert read_results(path)[1][0].trainer == "BFGS"
    # nnbench 0.1's layout: schema 1, network_spec and options_pairs, no delimiter
    old = tmp_path / "old.jsonl"
    meta, line = path.read_text().splitlines()
    m, t = json.loads(meta), json.loads(line)
    m["schema"] = 1
    t["dataset"].pop("delimiter")
    t["network_spec"] = {"hidden": [2], "activation": "sigmoid", "output_activation": "identity", "bias": False,
                         "loss": "sse"}
    t["options_pairs"] = []
    t.pop("added_by_a_newer_nnbench")
    old.write_text(json.dumps(m) + "\n" + json.dumps(t) + "\n")
    meta1, (rec,) = read_results(old)
    assert meta1.schema == 1 and rec.dataset == DatasetSpec("tutorial") and rec.network == TUTORIAL[1]
    assert rec.key == read_results(path)[1][0].key
    assert main(["report", str(old)]) == 0 and "BFGS" in capsys.readouterr().out


def test_records_read_as_mappings_and_observers_get_a_dict():
    (rec,) = nnbench.run(Suite(problems=[TUTORIAL], trainers="BFGS", seeds=[0])).records
    assert rec["best_cost"] == rec.best_cost and rec["train"]["pearson_r"] == rec.train.pearson_r
    assert isinstance(rec.to_json(), dict) and rec.to_json()["dataset_label"] == "tutorial"


# -- one ranking rule -----------------------------------------------------------------------

def test_the_summary_and_the_statistics_name_the_same_best_trainer():
    # both solved to rounding noise; "fast" takes less time but more evaluations than "lean":
    # 0.1 ranked the summary by seconds and the statistics by the raw median cost
    recs = []
    for s in range(3):
        recs += [trial("lean", s, initial_cost=1.0, best_cost=1e-12, evaluations=10, wall_time_s=1.0),
                 trial("fast", s, initial_cost=1.0, best_cost=1e-25, evaluations=50, wall_time_s=0.1),
                 trial("worse", s, initial_cost=1.0, best_cost=1e-3, evaluations=5, wall_time_s=0.01)]
    assert [r["trainer"] for r in summarize(recs)] == ["lean", "fast", "worse"]
    assert [r["trainer"] for r in compare_to_best(runs_of(recs))] == ["lean", "fast", "worse"]


# -- one registry of datasets, hooks through pluggy -----------------------------------------

PLUGIN = '''
import numpy as np
from nnbench.datasets import Dataset
from nnbench.hookspecs import hookimpl

def _line():
    x = np.linspace(0, 1, 20)[:, None]
    return Dataset(x, 2 * x + 1, name="line", source="y = 2x + 1")

def _broken():
    raise OSError("the disk is gone")

@hookimpl
def nnbench_datasets():
    return {"line": _line, "broken": _broken}

SEEN = []

@hookimpl
def nnbench_trial_finished():          # fewer arguments than the spec: pluggy allows it
    SEEN.append(1)

@hookimpl(hookwrapper=True)
def nnbench_trainers():               # a wrapper around every plugin's trainers
    outcome = yield
    SEEN.append("wrapped")
'''


@pytest.fixture
def dataset_plugin(tmp_path, monkeypatch):
    (tmp_path / "nnbench_test_line.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield "nnbench_test_line"
    sys.modules.pop("nnbench_test_line", None)


def test_a_plugin_dataset_is_usable_by_run_suite_files_and_list(tmp_path, capsys, dataset_plugin):
    assert main(["list", "datasets", "-p", dataset_plugin]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"^line +nnbench_test_line ", listing, re.MULTILINE)
    assert "failed to load: OSError: the disk is gone" in listing
    assert _run(tmp_path, "-p", dataset_plugin, "--dataset", "line", "--trainers", "L-BFGS-B") == 0
    capsys.readouterr()
    (rec,) = read_results(tmp_path / "r.jsonl")[1]
    assert rec.dataset.source == "line" and rec.n_params == 7 and rec.best_cost < 1e-4 * rec.initial_cost
    suite = tmp_path / "s.toml"
    suite.write_text(f'plugins = ["{dataset_plugin}"]\ntrainers = "BFGS"\nseeds = 1\n[datasets.line]\n')
    assert main(["run", str(suite), "--executor", "serial", "--quiet", "--out", str(tmp_path / "s.jsonl")]) == 0
    capsys.readouterr()
    assert _run(tmp_path, "-p", dataset_plugin, "--dataset", "broken", "--trainers", "BFGS") == 2
    assert _err(capsys) == ("nnbench: error: dataset 'broken' from plugin 'nnbench_test_line' failed to load: "
                            "OSError: the disk is gone")


def test_hooks_are_called_through_pluggy_with_wrappers_and_fewer_arguments(dataset_plugin, n_builtin_trainers):
    registry = Registry(get_plugin_manager(extra=[dataset_plugin]))
    module = sys.modules[dataset_plugin]
    assert len(registry.trainers()) == n_builtin_trainers and module.SEEN.count("wrapped") == 2  # once per trainer plugin
    registry.call_trial_finished({"trainer": "adam"})
    assert module.SEEN[-1] == 1


# -- imports: no cycle, one "did you mean" --------------------------------------------------

@pytest.mark.parametrize(("module", "absent"), [
    ("nnbench.core.activations", "nnbench.trainer"), ("nnbench.core.losses", "nnbench.trainer"),
    ("nnbench.running.executors", "nnbench.running.suite"), ("nnbench.running.trial", "nnbench.running.executors"),
])
def test_lower_modules_do_not_import_higher_ones(module, absent):
    code = f"import sys, {module}; assert {absent!r} not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _code_strings(path: pathlib.Path) -> list[str]:
    """The string constants of a module's code (docstrings left out)."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs]


def test_did_you_mean_is_worded_in_one_place():
    hits = [str(p.relative_to(ROOT)) for folder in ("nnbench", "plugins") for p in sorted((ROOT / folder).rglob("*.py"))
            if any("did you mean" in text for text in _code_strings(p))]
    assert hits == ["nnbench/errors.py"]


# -- one plan, one objective per problem ----------------------------------------------------

def test_the_plan_is_made_once_and_each_problem_built_once(tmp_path, capsys, monkeypatch):
    from nnbench.running import suite
    from nnbench.running import trial as harness

    built = []
    real = harness.build_objective

    def counting(*args):
        built.append(args[:2])
        return real(*args)

    monkeypatch.setattr(harness, "build_objective", counting)
    monkeypatch.setattr(suite, "build_objective", counting)
    plans = []
    real_plan = suite.make_plan
    monkeypatch.setattr(suite, "make_plan", lambda *a, **k: plans.append(1) or real_plan(*a, **k))
    assert _run(tmp_path, "--trainers", "BFGS,adam", "--seeds", "2") == 0
    capsys.readouterr()
    # three problems (the bare run's default suite): built once each for the plan, then once per trial (12)
    assert len(plans) == 1 and len(built) == 3 + 12
