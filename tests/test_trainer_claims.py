"""A trainer's word is kept, never recorded as a measurement: ``final_cost`` is the objective at
the returned ``x``, non-finite weights are no success, and ``sys.exit`` in a trainer is a failed
row under every executor."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from nnbench import Budget, DatasetSpec, NetworkSpec, Suite
from nnbench.cli import main
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.results.store import SCHEMA_VERSION, read_results
from nnbench.running.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from nnbench.running.suite import make_plan, run
from nnbench.running.trial import build_objective

TUTORIAL = (DatasetSpec("tutorial"), NetworkSpec((2,), bias=False, loss="sse"))

#: Trainers that say what is not so, importable in worker processes (-p).
LIARS = textwrap.dedent('''
    import sys
    import numpy as np
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def sys_exit(objective, x0, budget, rng):
        objective.fun(x0)
        sys.exit(4)

    def wrong_fun(objective, x0, budget, rng):
        objective.fun(x0)
        return TrainResult(x=x0 * 0.5, fun=-1.0, success=True, message="converged", nfev=1)

    def nan_x(objective, x0, budget, rng):
        objective.fun(x0)
        x = x0.copy()
        x[:2] = np.nan
        x[2] = np.inf
        return TrainResult(x=x, fun=0.0, success=True, message="converged")

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name=f.__name__.replace("_", "-"), family="first-order", train=f, summary=f.__name__)
                for f in (sys_exit, wrong_fun, nan_x)]
''')

MODULE = "nnbench_test_liars"


@pytest.fixture
def liars(tmp_path, monkeypatch):
    """The registry with the liars, importable here and in worker processes."""
    (tmp_path / f"{MODULE}.py").write_text(LIARS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return Registry(get_plugin_manager(extra=(MODULE,)))


def _check(recs, registry):
    objective = build_objective(*TUTORIAL, registry.catalog())[0]
    x0 = objective.x0(np.random.default_rng(0))
    f0 = objective.fun(x0)
    by = {r.trainer: r for r in recs}
    assert set(by) == {"sys-exit", "wrong-fun", "nan-x", "BFGS"}

    ex = by["sys-exit"]
    assert ex.status == "failed" and ex.error == ex.message == "SystemExit: 4"
    assert ex.best_cost == ex.initial_cost == f0 and ex.evaluations == 1
    assert by["BFGS"].status == "ok" and by["BFGS"].best_cost < 1e-3  # the run went on

    wf = by["wrong-fun"]
    assert wf.status == "ok" and wf.success is True and wf.message == "converged"
    assert wf.final_cost == objective.fun(x0 * 0.5) != -1.0  # the harness's own evaluation
    assert wf.claimed == {"fun": -1.0, "nfev": 1, "njev": -1, "nhev": -1}  # the trainer's word, kept
    assert wf.evaluations == 1 and wf.counts["fun"] == 1  # the check is not counted
    assert wf.best_cost == f0 and len(wf.history) == 1  # nor judged: only x0 was evaluated by the trainer

    nx = by["nan-x"]
    assert nx.status == "ok" and nx.success is False and nx.final_cost is None
    assert nx.message == "converged; the returned x has 3 non-finite weights (NaN or inf): not a success"
    assert nx.claimed["fun"] == 0.0 and nx.evaluations == 1 and nx.best_cost == f0


def _suite():
    return Suite(problems=[TUTORIAL], seeds=[0], budget=Budget(200, 20.0), plugins=(MODULE,),
                 trainers="sys-exit,wrong-fun,nan-x,BFGS")


def test_serial(liars):
    _check(run(_suite(), liars, executor=SerialExecutor()), liars)


def test_process(liars):
    with ProcessExecutor(jobs=1) as ex:
        _check(run(make_plan(_suite(), liars), liars, executor=ex), liars)


@pytest.mark.slow
def test_dask(liars):
    pytest.importorskip("distributed")
    with DaskExecutor(jobs=1) as ex:
        _check(run(make_plan(_suite(), liars), liars, executor=ex), liars)


def test_sys_exit_in_a_trainer_no_longer_ends_a_serial_run(liars, tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "-p", MODULE, "--trainers", "sys-exit,BFGS", "--seeds", "2", "--hidden", "2", "--no-bias",
                 "--executor", "serial", "--quiet", "--out", str(out), "--per-trial", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["trainer"], r["seed"], r["status"], r["message"]) for r in rows if r["trainer"] == "sys-exit"] == [
        ("sys-exit", 0, "failed", "SystemExit: 4"), ("sys-exit", 1, "failed", "SystemExit: 4")]
    assert len(read_results(out)[1]) == 4


def test_a_record_of_claims_reads_back(liars, tmp_path):
    from nnbench.results.store import ResultsWriter, run_metadata

    path = tmp_path / "r.jsonl"
    with ResultsWriter(path, run_metadata("test")) as w:
        recs = run(_suite(), liars, writer=w)
    back = {r.trainer: r for r in read_results(path)[1]}
    for r in recs:
        assert back[r.trainer].claimed == r.claimed and back[r.trainer].final_cost == r.final_cost


def test_a_schema_2_final_cost_is_read_as_the_claim_it_was(liars, tmp_path):
    from nnbench.results.store import ResultsWriter, run_metadata

    path = tmp_path / "r.jsonl"
    with ResultsWriter(path, run_metadata("test")) as w:
        run(_suite(), liars, writer=w)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["schema"] == SCHEMA_VERSION
    lines[0]["schema"] = 2
    for rec in lines[1:]:  # what nnbench wrote before: the trainer's fun as final_cost, counts only
        rec["final_cost"] = rec["claimed"]["fun"] if rec["claimed"] else None
        if rec["claimed"]:
            del rec["claimed"]["fun"]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    by = {r.trainer: r for r in read_results(path)[1]}
    assert by["wrong-fun"].final_cost is None
    assert by["wrong-fun"].claimed == {"nfev": 1, "njev": -1, "nhev": -1, "fun": -1.0}
    assert by["sys-exit"].final_cost is None and by["sys-exit"].claimed is None  # it returned nothing
