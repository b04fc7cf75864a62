"""The harness: same x0 per seed, counts from instrumentation, faults become rows."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

from nnbench import DatasetSpec, NetworkSpec, Suite
from nnbench.running import trial as harness
from nnbench.errors import ConfigError
from nnbench.running.trial import TrialSpec, run_trial
from nnbench.hookspecs import hookimpl
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.results.store import SCHEMA_VERSION, ResultsWriter, read_results, run_metadata
from nnbench.running.suite import make_plan, run
from nnbench.trainer import Budget, Trainer, TrainResult

TUTORIAL = (DatasetSpec("tutorial"), NetworkSpec((2,), bias=False, loss="sse"))


def _train_record_x0(objective, x0, budget, rng, **options):
    _train_record_x0.seen.append(x0.copy())
    cost = objective.fun(x0)
    return TrainResult(x=x0, fun=cost, success=True, message="took x0")


_train_record_x0.seen = []


def _raising(objective, x0, budget, rng, **options):
    objective.fun(x0 * 0.5)
    raise RuntimeError("boom")


def _nan_cost(objective, x0, budget, rng, **options):
    return TrainResult(x=x0, fun=math.nan, success=True)


def _wrong_shape(objective, x0, budget, rng, **options):
    return TrainResult(x=np.zeros(3), fun=0.0, success=True)


def _sleepy(objective, x0, budget, rng, **options):
    while True:
        objective.fun(x0)
        time.sleep(0.01)


def _spender(objective, x0, budget, rng, **options):
    x = x0.copy()
    for i in range(10**6):
        objective.fun_and_grad(x)
        x = x * 0.99
    raise AssertionError("unreachable: the budget stops it")


def _self_timed(objective, x0, budget, rng, **options):
    # guards the time itself, like a plugin that checks its own clock before each call
    cost = objective.fun(x0)
    time.sleep(budget.max_seconds + 0.05)
    return TrainResult(x=x0, fun=cost, success=False, message="stopped at my own time guard")


def _warner(objective, x0, budget, rng, **options):
    import warnings

    for _ in range(3):
        warnings.warn("overflow encountered in dot", RuntimeWarning)
    return TrainResult(x=x0, fun=objective.fun(x0), success=False, message="gave up")


class FakePlugin:
    @hookimpl
    def nnbench_trainers(self):
        mk = lambda name, fn: Trainer(name=name, family="first-order", train=fn, summary=f"test trainer {name}")
        return [mk("x0-probe", _train_record_x0), mk("raiser", _raising), mk("nan", _nan_cost),
                mk("wrong-shape", _wrong_shape), mk("sleepy", _sleepy), mk("spender", _spender),
                mk("self-timed", _self_timed), mk("warner", _warner)]


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setenv("NNBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    pm = get_plugin_manager()
    pm.register(FakePlugin(), name="fake")
    return Registry(pm)


def _spec(trainer, seed=0, budget=Budget(max_evals=200), **kw):
    return TrialSpec(*TUTORIAL, trainer=trainer, seed=seed, budget=budget, **kw)


def test_every_trainer_starts_from_the_seeds_x0(registry):
    _train_record_x0.seen.clear()
    suite = Suite(problems=[TUTORIAL], trainers=["x0-probe", "BFGS"], seeds=[7], budget=Budget(50))
    recs = run(suite, registry)
    objective = harness.build_objective(*TUTORIAL, registry.catalog())[0]
    expected = objective.x0(np.random.default_rng(7))
    np.testing.assert_array_equal(_train_record_x0.seen[0], expected)
    assert {r["initial_cost"] for r in recs} == {objective.fun(expected)}


def test_record_of_a_good_trial(registry):
    rec = run_trial(_spec("BFGS", budget=Budget(max_evals=5000)), registry)
    assert rec["status"] == "ok" and rec["success"] is True
    assert rec["best_cost"] < 1e-4 and rec["best_cost"] <= rec["initial_cost"]
    assert rec["evaluations"] == rec["counts"]["fun_and_grad"] + rec["counts"]["fun"]
    assert rec["history"][0][0] == 1 and rec["history"][-1][2] == rec["best_cost"]
    assert all(a[2] > b[2] for a, b in zip(rec["history"], rec["history"][1:]))
    assert rec["train"]["pearson_r"] > 0.999 and isinstance(rec["train"]["pearson_p"], float)
    assert len(rec["best_x"]) == rec["n_params"] == 6
    json.dumps(rec.to_json(), allow_nan=False)


def test_trainer_that_raises_is_a_failed_row_with_its_best_point(registry):
    rec = run_trial(_spec("raiser"), registry)
    assert rec["status"] == "failed" and rec["error"] == "RuntimeError: boom"
    assert rec["evaluations"] == 1 and rec["best_cost"] is not None


def test_nan_and_wrong_shape_results(registry):
    rec = run_trial(_spec("nan"), registry)
    assert rec["status"] == "ok" and rec["best_cost"] is None and "no finite cost" in rec["message"]
    rec = run_trial(_spec("wrong-shape"), registry)
    assert rec["status"] == "failed" and "returned x of shape (3,), expected (6,)" in rec["error"]


def test_budget_is_enforced_by_the_instrumentation(registry):
    rec = run_trial(_spec("spender", budget=Budget(max_evals=37)), registry)
    assert rec["evaluations"] == 37 and rec["stop"] == "max_evals" and rec["status"] == "ok"
    assert rec["success"] is False and rec["best_cost"] < rec["initial_cost"]


def test_time_limit(registry):
    rec = run_trial(_spec("sleepy", budget=Budget(max_evals=None, max_seconds=0.2)), registry)
    assert rec["status"] == "time limit" and rec["stop"] == "time_limit"
    assert 0.2 <= rec["wall_time_s"] < 1.0 and rec["best_cost"] is not None


def test_declared_refusal_is_a_skipped_row(registry):
    rec = run_trial(_spec("least_squares-lm"), registry)
    assert rec["status"] == "skipped"
    assert rec["message"] == ("least_squares-lm needs at least 1 residual(s) per weight; "
                              "this problem has 4 residuals and 6 weights")


def test_stochastic_seed_is_stable_and_differs_by_name():
    a = harness.trainer_seed(3, "Adam").random(3)
    np.testing.assert_array_equal(a, harness.trainer_seed(3, "adam").random(3))
    assert not np.array_equal(a, harness.trainer_seed(3, "momentum").random(3))


def test_plan_validates_options(registry):
    with pytest.raises(ConfigError, match=r"^Suite.options\['adam'\]\['learning_rate'\]: adam is not among the "
                                          r"selected trainers \(--trainers, --exclude\)$"):
        make_plan(Suite(problems=[TUTORIAL], trainers=["BFGS"], options={"adam": {"learning_rate": 1}}), registry)
    with pytest.raises(ConfigError, match=r"^Suite.options\['bfgz'\]\['gtol'\]: unknown trainer 'bfgz' "
                                          r"\(did you mean BFGS or L-BFGS-B\?\); `nnbench list trainers` lists all 36$"):
        make_plan(Suite(problems=[TUTORIAL], trainers=["BFGS"], options={"bfgz": {"gtol": 1e-3}}), registry)


def test_constant_prediction_gives_undefined_r(registry):
    # all-zero weights: every hidden unit outputs 0.5 and the output weights are 0
    class Zero:
        @staticmethod
        def train(objective, x0, budget, rng, **o):
            x = np.zeros_like(x0)
            return TrainResult(x=x, fun=objective.fun(x), success=True)

    class P:
        @hookimpl
        def nnbench_trainers(self):
            return [Trainer(name="zero", family="first-order", train=Zero.train, summary="all weights zero")]

    registry.pm.register(P(), name="zero")
    registry._trainers = None
    spec = TrialSpec(DatasetSpec("tutorial"), NetworkSpec((2,), bias=False), "zero", 0, Budget(10))
    rec = run_trial(spec, registry)
    # only x = 0 was evaluated, so it is the best point
    assert rec["train"]["pearson_r"] is None
    assert rec["train"]["undefined"] == "the prediction is constant, so Pearson r is undefined"


def test_results_file_round_trip(tmp_path, registry):
    path = tmp_path / "r.jsonl"
    suite = Suite(problems=[TUTORIAL], trainers=["BFGS", "nan"], seeds=[0, 1], budget=Budget(100))
    with ResultsWriter(path, run_metadata("test")) as w:
        recs = run(suite, registry, writer=w)
    meta, back = read_results(path)
    assert meta.schema == SCHEMA_VERSION and meta.blas_threads_per_trial == 1
    assert len(back) == 4 and [r["trainer"] for r in back] == [r["trainer"] for r in recs]
    assert "NaN" not in path.read_text()


def test_a_trainer_that_stops_itself_at_the_time_limit_is_a_time_limit_row(registry):
    rec = run_trial(_spec("self-timed", budget=Budget(max_evals=None, max_seconds=0.1)), registry)
    assert rec["status"] == "time limit" and rec["stop"] == "time_limit"
    assert rec["message"] == "stopped at my own time guard" and rec["best_cost"] == rec["initial_cost"]


def test_a_trainers_warnings_go_to_its_record_not_the_terminal(registry):
    # the suite runs with warnings as errors: a warning escaping run_trial would fail this test
    rec = run_trial(_spec("warner"), registry)
    assert len(rec["warnings"]) == 1
    assert rec["warnings"][0].startswith("RuntimeWarning: overflow encountered in dot (test_trial.py:")
    assert rec["warnings"][0].endswith(" x3")


def test_table_note_says_why_no_run_converged(registry):
    from nnbench.reporting.tables import summarize

    recs = [run_trial(_spec("warner", seed=s), registry) for s in (0, 1)]
    assert summarize(recs)[0]["note"] == "gave up"


def test_warnings_outside_the_trainer_go_to_the_record_too(registry, monkeypatch):
    import warnings

    def warning_fit(*args, **kwargs):
        warnings.warn("overflow encountered in square", RuntimeWarning)
        return real_fit(*args, **kwargs)

    real_fit = harness.fit_metrics
    monkeypatch.setattr(harness, "fit_metrics", warning_fit)
    rec = run_trial(_spec("BFGS"), registry)  # warnings are errors in this suite: none may escape
    assert any(w.startswith("RuntimeWarning: overflow encountered in square") for w in rec["warnings"])
