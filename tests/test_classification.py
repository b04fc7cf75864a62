"""Classification end to end (issue 13, step a): the problems the issue says must be solved,
the task and class accuracy in records and tables, and the command line's classification
options (--loss cross_entropy, --l2, --hidden 0, a CSV of string labels)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnbench import Budget, DatasetSpec, NetworkSpec, Suite
from nnbench.cli import main
from nnbench.contract.problems import BUILTIN_PROBLEMS
from nnbench.core.fit import class_accuracy
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.results.record import SCHEMA_VERSION, TrialRecord
from nnbench.results.store import read_results
from nnbench.running.suite import make_plan, run
from nnbench.running.trial import build_objective


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


# -- must show: the problems are solved -----------------------------------------------------

def test_bfgs_classifies_iris_to_97_percent_on_every_seed(registry):
    problem = BUILTIN_PROBLEMS["iris"]
    assert (problem.dataset.standardize, problem.network.hidden, problem.network.activation,
            problem.network.loss, problem.budget.max_evals) == ("features", (5,), "tanh", "cross_entropy", 1000)
    recs = run(Suite(problems=["iris"], trainers="BFGS", seeds=[0, 1, 2, 3, 4]), registry)
    objective, _ = build_objective(problem.dataset, problem.network, registry.catalog())
    assert objective.network.sizes == (4, 5, 3)
    for r in recs:
        assert r.status == "ok" and r.task == "classification"
        assert r.classes == ("setosa", "versicolor", "virginica")
        # the record's accuracy is the class accuracy of its best weights on the training rows
        assert r.train.accuracy == class_accuracy(objective.y, objective.predict(r.best_x)) >= 0.97
        assert r.test is not None and 0 <= r.test.accuracy <= 1


def _first_solving_seed(registry, problem, trainer, seeds=range(5)):
    """The record of the first seed whose best weights classify every training row, or None
    (one seed at a time: stop at the first that solves)."""
    objective = None
    for seed in seeds:
        (rec,) = run(Suite(problems=[problem], trainers=trainer, seeds=[seed]), registry)
        if objective is None:
            objective, _ = build_objective(problem.dataset, problem.network, registry.catalog())
        assert rec.status in ("ok", "time limit") and rec.train is not None
        assert rec.train.accuracy == class_accuracy(objective.y, objective.predict(rec.best_x))
        if rec.train.accuracy == 1.0:
            return rec, objective
    return None, objective


def test_lbfgsb_classifies_all_194_spiral_points_on_some_seed(registry):
    problem = BUILTIN_PROBLEMS["two_spirals"].overridden({"max_evals": 30000, "max_seconds": 120})
    rec, objective = _first_solving_seed(registry, problem, "L-BFGS-B")
    assert objective.network.sizes == (2, 20, 20, 2) and objective.X.shape[0] == 194
    assert rec is not None, "no seed of 0-4 classified all 194 points"
    assert rec.reached_target and rec.evals_to_target <= 30000
    assert np.array_equal(np.argmax(objective.predict(rec.best_x), axis=1), np.argmax(objective.y, axis=1))


def test_a_quasi_newton_method_classifies_all_16_parity_rows_on_some_seed(registry):
    problem = BUILTIN_PROBLEMS["parity:4"]
    assert problem.budget.max_evals == 5000
    rec, objective = _first_solving_seed(registry, problem, "BFGS")
    assert objective.network.sizes == (4, 8, 2) and objective.X.shape[0] == 16
    assert rec is not None, "no seed of 0-4 classified all 16 parity rows"
    assert rec.reached_target and rec.evals_to_target <= 5000


# -- records: task, classes, class accuracy ------------------------------------------------

def test_regression_records_have_no_accuracy_and_one_sigmoid_output_thresholds(registry):
    (reg,) = run(Suite(problems=["diabetes"], trainers="L-BFGS-B", seeds=[0]), registry)
    assert (reg.task, reg.classes, reg.train.accuracy) == ("regression", None, None)
    assert reg.train.pearson_r is not None and reg.train.r2 is not None and reg.train.mse is not None
    (xor,) = run(Suite(problems=["xor"], trainers="BFGS", seeds=[0]), registry)
    objective, _ = build_objective(DatasetSpec("xor"), BUILTIN_PROBLEMS["xor"].network, registry.catalog())
    assert xor.task == "classification" and objective.network.sizes[-1] == 1
    hits = (objective.predict(xor.best_x)[:, 0] > 0.5) == (objective.y[:, 0] == 1)
    assert xor.train.accuracy == hits.mean()


def test_schema_3_accuracy_is_read_as_class_accuracy_only_for_one_output(registry):
    (rec,) = run(Suite(problems=["iris"], trainers="L-BFGS-B", seeds=[0], budget=Budget(50)), registry)
    line = rec.to_json()
    del line["task"], line["classes"]
    line["train"]["accuracy"] = 0.9  # schema 3: the share of output values, not classes
    old = TrialRecord.from_json(line, schema=3)
    assert old.task == "classification" and old.classes is None and old.train.accuracy is None
    assert old.train.pearson_r == rec.train.pearson_r
    (xor,) = run(Suite(problems=["xor"], trainers="BFGS", seeds=[0], budget=Budget(50)), registry)
    one = xor.to_json()
    del one["task"]
    assert TrialRecord.from_json(one, schema=3).train.accuracy == xor.train.accuracy
    sse = json.loads(json.dumps(one))
    sse["network"]["loss"], sse["network"]["output_activation"] = "sse", "sigmoid"
    assert TrialRecord.from_json(sse, schema=3).task == "regression"
    assert TrialRecord.from_json(sse, schema=3).train.accuracy is None
    assert SCHEMA_VERSION == 4


# -- the network spec: output by loss, l2, no hidden layer ---------------------------------

def test_the_loss_decides_the_default_output_and_refuses_another():
    assert NetworkSpec(loss="cross_entropy").output_activation == "softmax"
    assert NetworkSpec(loss="bce").output_activation == "sigmoid"
    assert NetworkSpec().output_activation == "identity"
    with pytest.raises(Exception, match=r"^NetworkSpec.output_activation: output activation 'softmax' needs the "
                                        r"loss cross_entropy \(--loss cross_entropy\), not 'mse'$"):
        NetworkSpec(output_activation="softmax", loss="mse")
    with pytest.raises(Exception, match=r"^NetworkSpec.loss: loss 'cross_entropy' needs a softmax output layer "
                                        r"\(--output-activation softmax\), not 'sigmoid'$"):
        NetworkSpec(output_activation="sigmoid", loss="cross_entropy")


def test_l2_is_part_of_the_network_its_label_key_and_objective(registry):
    plain, pen = NetworkSpec((3,), loss="cross_entropy"), NetworkSpec((3,), loss="cross_entropy", l2=0.01)
    assert pen.label == "h3 sigmoid out=softmax cross_entropy l2=0.01" and "l2" not in plain.label
    assert "l2" not in plain.identity() and pen.identity()["l2"] == 0.01
    assert NetworkSpec.from_dict(pen.describe((4, 3, 3)))[0] == pen and "l2" not in plain.describe((4, 3, 3))
    for bad in (-1, float("inf"), "x", True):
        with pytest.raises(Exception, match=r"^NetworkSpec.l2: must be a finite number >= 0"):
            NetworkSpec(l2=bad)
    d = DatasetSpec("iris", standardize="features")
    a, _ = build_objective(d, plain, registry.catalog())
    b, _ = build_objective(d, pen, registry.catalog())
    theta = a.x0(np.random.default_rng(0))
    W = np.concatenate([theta[s] for s in a.network.weight_slices])
    assert b.l2 == 0.01 and b.fun(theta) == pytest.approx(a.fun(theta) + 0.005 * W @ W, rel=1e-14)
    plan = make_plan(Suite(problems=[(d, plain), (d, pen)], trainers="BFGS", seeds=[0]), registry)
    keys = [t.key for t in plan.trials()]
    assert len(set(keys)) == 2


def test_hidden_0_is_a_linear_model(registry):
    spec = NetworkSpec(0, loss="cross_entropy")
    assert spec.hidden == () and spec.label == "linear out=softmax cross_entropy"
    objective, _ = build_objective(DatasetSpec("iris"), spec, registry.catalog())
    assert objective.network.sizes == (4, 3) and objective.n_params == 15


# -- the command line ---------------------------------------------------------------------

def test_cli_cross_entropy_on_iris_shows_acc_and_hidden_0(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "iris", "--standardize", "features", "--test-size", "0.25", "--loss",
                 "cross_entropy", "--hidden", "0", "--hidden", "5", "--l2", "0.001", "--trainers", "L-BFGS-B",
                 "--seeds", "2", "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "| linear out=softmax cross_entropy l2=0.001 | 15 weights" in text
    assert "| h5 sigmoid out=softmax cross_entropy l2=0.001 | 43 weights" in text
    header = [line for line in text.splitlines() if line.startswith("trainer")]
    assert len(header) == 2 and all(" acc " in h and " test acc " in h and " r " not in h for h in header)
    _, recs = read_results(out)
    assert {r.network.l2 for r in recs} == {0.001} and {r.network.hidden for r in recs} == {(), (5,)}
    assert all(r.task == "classification" and r.classes == ("setosa", "versicolor", "virginica") for r in recs)
    assert all(0.9 <= r.train.accuracy <= 1 for r in recs)
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert " acc " in capsys.readouterr().out


def test_cli_string_labels_in_a_csv_end_to_end(tmp_path, capsys):
    csv = tmp_path / "pets.csv"
    rows = ["weight,height,kind"]
    rng = np.random.default_rng(0)
    for kind, centre in (("cat", (4, 25)), ("dog", (20, 50)), ("bird", (0.5, 10))):
        for w, h in rng.normal(centre, 0.5, size=(10, 2)):
            rows.append(f"{w:.3f},{h:.3f},{kind}")
    csv.write_text("\n".join(rows) + "\n")
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", str(csv), "--standardize", "features", "--loss", "cross_entropy", "--trainers",
                 "BFGS", "--seeds", "1", "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "pets std=features | h2 sigmoid out=softmax cross_entropy | 15 weights" in text and " acc " in text
    _, (rec,) = read_results(out)
    assert rec.dataset.labels is True and rec.classes == ("bird", "cat", "dog")
    assert rec.train.accuracy == 1.0  # three well separated clusters
    # the labels enter the data identity: the file read as numbers would be other data
    assert rec.data_id == registry_for_identity(rec.dataset)
    capsys.readouterr()
    # without cross_entropy the labels are not numbers: one line naming the cell and the loss
    assert main(["run", "--dataset", str(csv), "--out", str(tmp_path / "x.jsonl"), "--quiet"]) == 2
    assert _err(capsys) == (f"nnbench: error: {csv}, line 2, column 3 ('kind'): not a number: 'cat' (class labels "
                            "in the target column are read with the loss cross_entropy)")


def registry_for_identity(spec: DatasetSpec) -> str:
    catalog = Registry(get_plugin_manager(autoload=False)).catalog()
    ident = catalog.identity(spec)
    from dataclasses import replace

    assert ident != catalog.identity(replace(spec, labels=False))
    return ident


def test_cli_integer_labels_sort_numerically(tmp_path, capsys):
    csv = tmp_path / "k.csv"
    csv.write_text("a,k\n" + "".join(f"{i},{k}\n" for i, k in enumerate([10, 2, 10, 2, 1, 1, 2, 10, 1])))
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", str(csv), "--loss", "cross_entropy", "--trainers", "L-BFGS-B", "--seeds", "1",
                 "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    _, (rec,) = read_results(out)
    assert rec.classes == ("1", "2", "10") and rec.sizes == (1, 2, 3)


@pytest.mark.parametrize("argv, message", [
    (["--loss", "cross_entropy", "--output-activation", "sigmoid"],
     "nnbench: error: --loss: loss 'cross_entropy' needs a softmax output layer (--output-activation softmax), "
     "not 'sigmoid'"),
    (["--output-activation", "softmax"],
     "nnbench: error: --output-activation: output activation 'softmax' needs the loss cross_entropy (--loss "
     "cross_entropy), not 'sse'"),
    (["--output-activation", "softmax", "--loss", "bce"],
     "nnbench: error: --loss: loss 'bce' needs a sigmoid output layer (--output-activation sigmoid), not 'softmax'"),
    (["--l2", "-0.5"], "nnbench: error: --l2: must be a finite number >= 0 (the penalty alpha/2 ||W||^2 on the "
                       "weights), got -0.5"),
    (["--l2", "much"], "nnbench: error: --l2: must be a finite number >= 0 (the penalty alpha/2 ||W||^2 on the "
                       "weights), got 'much'"),
    (["--problem", "iris", "--l2", "0.1"], "nnbench: error: --problem brings its own data and network; drop --l2"),
    (["--dataset", "diabetes", "--loss", "cross_entropy"],
     "nnbench: error: a softmax output layer needs at least 2 outputs (one per class), got 1; for two classes in "
     "one output use a sigmoid output with the loss bce"),
])
def test_cli_classification_errors_are_one_line_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "r.jsonl"
    assert main(["run", *argv, "--out", str(out), "--quiet"]) == 2
    assert _err(capsys).startswith(message)
    assert not out.exists()


def test_a_suite_file_takes_l2_hidden_0_and_reads_labels_for_cross_entropy(tmp_path, capsys):
    (tmp_path / "pets.csv").write_text("w,h,kind\n1,1,cat\n1.2,0.9,cat\n5,5,dog\n5.1,4.8,dog\n0.9,1.1,cat\n4.9,5.2,dog\n")
    (tmp_path / "s.toml").write_text(
        'trainers = ["L-BFGS-B"]\nseeds = 1\n[executor]\nkind = "serial"\n[datasets.pets]\nsource = "pets.csv"\n'
        '[networks.logistic]\nhidden = 0\nloss = "cross_entropy"\nl2 = 0.01\n'
        '[networks.regression]\nhidden = [2]\nloss = "sse"\n')
    out = tmp_path / "r.jsonl"
    # two networks on one CSV: the cross_entropy one reads labels, the sse one cannot
    assert main(["run", str(tmp_path / "s.toml"), "--out", str(out), "--quiet"]) == 2
    assert _err(capsys).endswith("not a number: 'cat' (class labels in the target column are read with the loss "
                                 "cross_entropy)")
    text = (tmp_path / "s.toml").read_text().replace('[networks.regression]\nhidden = [2]\nloss = "sse"\n', "")
    (tmp_path / "s.toml").write_text(text)
    assert main(["run", str(tmp_path / "s.toml"), "--out", str(out), "--quiet"]) == 0
    assert "pets | linear out=softmax cross_entropy l2=0.01 | 6 weights" in capsys.readouterr().out
    _, (rec,) = read_results(out)
    assert rec.classes == ("cat", "dog") and rec.network.l2 == 0.01 and rec.train.accuracy == 1.0


def test_the_task_is_the_losses_own():
    from nnbench.contract.problems import CLASSIFICATION_LOSSES, task_of
    from nnbench.core.losses import LOSSES

    assert set(CLASSIFICATION_LOSSES) == {"bce", "cross_entropy"}
    assert {name: task_of(name) for name in LOSSES} == {"sse": "regression", "mse": "regression",
                                                         "half_mse": "regression", "bce": "classification",
                                                         "cross_entropy": "classification"}
    assert task_of("no such loss") == "regression"  # a loss an old file names and this nnbench lacks
