"""Variants and sweeps: a trainer with non-default options is its own row, named by them.

Issue 14, item 1: runs with different options used to merge into one row (three CMA-ES
``sigma0`` values became one row of 18 runs) and adam at learning rate 0.1 was labelled plain
``adam``. Every test asserts the exact names, rows and costs.
"""

from __future__ import annotations

import json

import pytest

import nnbench
from nnbench import Budget, DatasetSpec, NetworkSpec, Suite
from nnbench.cli import main
from nnbench.cli.main import parse_option, parse_sweep
from nnbench.contract.variants import tuned_name, variant_name
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.reporting.ranking import row_label
from nnbench.reporting.tables import summarize
from nnbench.results.record import TrialRecord
from nnbench.results.store import read_results
from nnbench.running.suite import make_plan

TUTORIAL = (DatasetSpec("tutorial"), NetworkSpec((2,), bias=False))


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.rstrip("\n")


def _run(tmp_path, *args, out="r.jsonl") -> int:
    return main(["run", "--executor", "serial", "--quiet", "--out", str(tmp_path / out), *args])


def test_a_variant_is_named_by_its_non_default_options_keys_sorted(registry):
    adam, momentum = registry.trainer("adam"), registry.trainer("momentum")
    assert variant_name(adam, {}) == "adam"
    assert variant_name(adam, {"learning_rate": 0.001}) == "adam"  # its declared default
    assert variant_name(adam, {"learning_rate": 0.01}) == "adam[learning_rate=0.01]"
    assert variant_name(momentum, {"learning_rate": 0.1, "beta": 0.5}) == "momentum[beta=0.5,learning_rate=0.1]"
    assert variant_name(momentum, {"learning_rate": 0.05, "beta": 0.5}) == "momentum[beta=0.5]"
    assert variant_name(registry.trainer("BFGS"), {"gtol": 1e-08}) == "BFGS[gtol=1e-08]"
    assert tuned_name(adam) == tuned_name("adam") == "adam[tuned]"


def test_sweeping_adam_on_the_tutorial_gives_two_rows_with_different_best_costs(tmp_path, capsys):
    assert _run(tmp_path, "--problem", "tutorial", "--trainers", "adam", "--seeds", "3",
                "--sweep", "adam.learning_rate=0.001,0.1") == 0
    out = capsys.readouterr().out
    _, recs = read_results(tmp_path / "r.jsonl")
    assert sorted({r.variant for r in recs}) == ["adam", "adam[learning_rate=0.1]"]
    assert {r.variant: r.options for r in recs} == {"adam": {"learning_rate": 0.001},
                                                    "adam[learning_rate=0.1]": {"learning_rate": 0.1}}
    rows = {row["trainer"]: row for row in summarize(recs)}
    assert set(rows) == {"adam", "adam[learning_rate=0.1]"} and rows["adam"]["runs"] == 3
    # the tutorial's numbers: the paper's 1e-3 stalls, 0.1 reaches the target
    assert rows["adam"]["best_cost"] == pytest.approx(0.1699, rel=1e-3)
    assert rows["adam[learning_rate=0.1]"]["best_cost"] == pytest.approx(1.044e-4, rel=1e-2)
    assert "adam[learning_rate=0.1]" in out and len({r.key for r in recs}) == 6


def test_sweep_keys_make_their_grid_and_values_follow_the_option_rules(registry):
    plan = make_plan(Suite(problems=[TUTORIAL], trainers="momentum",
                           sweeps={"momentum": {"learning_rate": [0.01, 0.1], "beta": [0.5, 0.9]}}), registry)
    assert [v.label for v in plan.variants] == [  # beta=0.9 is momentum's default, learning_rate 0.05
        "momentum[beta=0.5,learning_rate=0.01]", "momentum[learning_rate=0.01]",
        "momentum[beta=0.5,learning_rate=0.1]", "momentum[learning_rate=0.1]"]
    assert len(plan) == 4 * 10
    assert parse_sweep("adam.learning_rate=1e-3,1e-2,1e-1") == ("adam", "learning_rate", (0.001, 0.01, 0.1))
    assert parse_sweep("differential_evolution.mutation=(0.5,1),(0.7,1)") == (
        "differential_evolution", "mutation", ((0.5, 1), (0.7, 1)))
    # a comma in --option stays a tuple value, as scipy's mutation=0.5,1 needs
    assert parse_option("differential_evolution.mutation=0.5,1") == ("differential_evolution", "mutation", (0.5, 1))


@pytest.mark.parametrize(("args", "message"), [
    (["--sweep", "adam.learning_rate=0.1", "--option", "adam.learning_rate=0.1"],
     "--sweep adam.learning_rate: adam option 'learning_rate' is both swept and set by --option "
     "adam.learning_rate; give one"),
    (["--sweep", "adam.learning_rate=0.1,-1"], "--sweep adam.learning_rate[1]: must be a positive number, got -1"),
    (["--sweep", "adam.learning_rat=0.1"],
     "--sweep adam.learning_rat: adam has no option 'learning_rat' (did you mean learning_rate?)"),
    (["--sweep", "adam.learning_rate"], "--sweep 'adam.learning_rate': expected TRAINER.KEY=V1,V2,..., e.g. "
                                        "adam.learning_rate=1e-3,1e-2"),
    (["--sweep", "adam.learning_rate=0.1,,0.2"], "--sweep 'adam.learning_rate=0.1,,0.2': an empty value; separate "
                                                 "the values by single commas"),
    (["--sweep", "momentum.beta=0.5"], "--sweep momentum.beta: momentum is not among the selected trainers "
                                       "(--trainers, --exclude)"),
])
def test_bad_sweeps_are_one_line_errors_before_any_trial(tmp_path, capsys, args, message):
    assert _run(tmp_path, "--problem", "tutorial", "--trainers", "adam", "--seeds", "1", *args) == 2
    assert _err(capsys) == f"nnbench: error: {message}"
    assert not (tmp_path / "r.jsonl").exists()


def test_a_suite_file_sweep_and_the_python_suite_give_the_same_variants(tmp_path, capsys, registry):
    path = tmp_path / "s.toml"
    path.write_text('trainers = "adam"\nseeds = 2\n[[problems]]\nproblem = "tutorial"\n'
                    '[sweep.adam]\nlearning_rate = [0.001, 0.1]\n')
    assert main(["run", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "f.jsonl")]) == 0
    capsys.readouterr()
    _, from_file = read_results(tmp_path / "f.jsonl")
    result = nnbench.run(Suite(problems=["tutorial"], trainers="adam", seeds=2,
                               sweeps={"adam": {"learning_rate": [0.001, 0.1]}}))
    assert sorted(r.key for r in result.records) == sorted(r.key for r in from_file)
    assert {(row_label(r), r.seed, r.best_cost) for r in result.records} == {
        (row_label(r), r.seed, r.best_cost) for r in from_file}
    bad = tmp_path / "bad.toml"
    bad.write_text('trainers = "adam"\n[sweep.adam]\nlearning_rate = 0.1\n')
    assert main(["run", str(bad), "--executor", "serial", "--quiet", "--out", str(tmp_path / "b.jsonl")]) == 2
    assert _err(capsys) == (f"nnbench: error: {bad}, line 3: sweep.adam.learning_rate: must be a non-empty array "
                            "of values, got 0.1")


def test_each_variant_resumes_as_its_own_trial(tmp_path, capsys):
    args = ["--problem", "tutorial", "--trainers", "adam", "--seeds", "2", "--sweep", "adam.learning_rate=0.01,0.1"]
    assert _run(tmp_path, *args) == 0
    assert _run(tmp_path, *args, "--resume") == 0
    assert "0 trials in" in capsys.readouterr().err
    assert _run(tmp_path, "--problem", "tutorial", "--trainers", "adam", "--seeds", "2", "--sweep",
                "adam.learning_rate=0.01,0.1,0.2", "--resume") == 0
    assert "2 trials in" in capsys.readouterr().err
    _, recs = read_results(tmp_path / "r.jsonl")
    assert sorted({r.variant for r in recs}) == ["adam[learning_rate=0.01]", "adam[learning_rate=0.1]",
                                                 "adam[learning_rate=0.2]"]


def test_a_record_of_a_file_before_variants_is_its_trainer_at_the_evaluation_phase(tmp_path):
    result = nnbench.run(Suite(problems=[TUTORIAL], trainers="BFGS", seeds=1, budget=Budget(50)))
    line = result.records[0].to_json()
    assert line["variant"] == "BFGS" and line["phase"] == "evaluation"
    key = result.records[0].key
    for field in ("variant", "phase"):
        del line[field]
    old = TrialRecord.from_json(json.loads(json.dumps(line)))
    assert (old.variant, old.phase, row_label(old)) == ("BFGS", "evaluation", "BFGS")
    assert old.key == key  # the key of a trial at its defaults is what it was before variants
