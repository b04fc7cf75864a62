"""SIGTERM and Ctrl-C stop every command cleanly: a run prints the table so far and how to
complete its file (exit 143 or 130); a report, or a run still loading its data, says
``nnbench: interrupted`` and leaves no partial output; no traceback anywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from nnbench.results.store import read_results

#: A trainer of 0.15 s per trial, importable by subprocesses (-p).
TICK = textwrap.dedent('''
    import time
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def tick(objective, x0, budget, rng):
        time.sleep(0.15)
        return TrainResult(x=x0 * 0.5, fun=objective.fun(x0 * 0.5), success=True)

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name="tick", family="first-order", train=tick, summary="sleeps 0.15 s")]
''')

#: ``nnbench`` with one function made to stop (it marks ``NNBENCH_TEST_MARK`` and sleeps),
#: so that a signal reaches the command exactly there: ``load_csv`` (a run loading its data) or
#: ``os.replace`` (a report renaming its finished output into place).
STALLED = textwrap.dedent('''
    import os, sys, time
    import nnbench.datasets.catalog as catalog

    def stall(real):
        def stalled(*args, **kwargs):
            open(os.environ["NNBENCH_TEST_MARK"], "w").close()
            time.sleep(60)
            return real(*args, **kwargs)
        return stalled

    if os.environ["NNBENCH_TEST_STALL"] == "load_csv":
        catalog.load_csv = stall(catalog.load_csv)
    else:
        os.replace = stall(os.replace)
    from nnbench.cli import main
    sys.exit(main(sys.argv[1:]))
''')

N_SEEDS = 16
STATUS = {signal.SIGTERM: 143, signal.SIGINT: 130}
SIGNALS = pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])


@pytest.fixture
def env(tmp_path):
    """The environment of the subprocesses: the plugin on their path."""
    (tmp_path / "nnbench_test_signals.py").write_text(TICK)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}


def _wait(predicate, proc, timeout=60.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _lines(path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def _interrupt_a_run(tmp_path, env, signum, executor):
    out = tmp_path / "r.jsonl"
    args = ["-p", "nnbench_test_signals", "--dataset", "tutorial", "--trainers", "tick", "--seeds", str(N_SEEDS),
            "--hidden", "2", "--no-bias", "--quiet", "--out", str(out), *executor]
    proc = subprocess.Popen([sys.executable, "-m", "nnbench.cli", "run", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait(lambda: _lines(out) > 3, proc)  # metadata and 3 trials
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == STATUS[signum], stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    done = len(read_results(out)[1])
    assert 3 <= done < N_SEEDS
    assert stderr.splitlines()[-1] == (f"nnbench: interrupted after {done} of {N_SEEDS} trials; they are in {out} "
                                       f"(complete it with --resume --out {out})")
    assert "tick" in stdout and "h2 sigmoid nobias sse" in stdout  # the table so far
    assert not (tmp_path / "r.jsonl.lock").exists()
    done_again = subprocess.run([sys.executable, "-m", "nnbench.cli", "run", *args, "--resume"], env=env, text=True,
                                capture_output=True, timeout=120)
    assert done_again.returncode == 0, done_again.stderr
    assert f"{done} of {N_SEEDS} trials are done, {N_SEEDS - done} to run" in done_again.stderr
    assert sorted(r.seed for r in read_results(out)[1]) == list(range(N_SEEDS))


@SIGNALS
def test_a_serial_run_stops_cleanly_on_a_signal(tmp_path, env, signum):
    _interrupt_a_run(tmp_path, env, signum, ["--executor", "serial"])


@pytest.mark.slow
def test_a_run_in_worker_processes_stops_cleanly_on_sigterm(tmp_path, env):
    _interrupt_a_run(tmp_path, env, signal.SIGTERM, ["--jobs", "2"])


def _stalled(tmp_path, env, where, argv, signum):
    mark = tmp_path / "stalled"
    env = {**env, "NNBENCH_TEST_MARK": str(mark), "NNBENCH_TEST_STALL": where}
    proc = subprocess.Popen([sys.executable, "-c", STALLED, *argv], env=env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait(mark.exists, proc)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == STATUS[signum], stderr
    return stdout, stderr


@SIGNALS
def test_a_run_interrupted_while_loading_its_csv_writes_nothing(tmp_path, env, signum):
    (tmp_path / "data.csv").write_text("x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n")
    for out in (["--out", "r.jsonl"], []):
        _, stderr = _stalled(tmp_path, env, "load_csv",
                             ["run", "--dataset", "data.csv", "--trainers", "BFGS", "--quiet", *out], signum)
        assert stderr == "nnbench: interrupted\n"
        assert sorted(os.listdir(tmp_path)) == ["data.csv", "nnbench_test_signals.py", "stalled"]
        (tmp_path / "stalled").unlink()


@pytest.fixture
def results(tmp_path, env):
    out = tmp_path / "r.jsonl"
    subprocess.run([sys.executable, "-m", "nnbench.cli", "run", "--dataset", "tutorial", "--trainers", "BFGS,adam",
                    "--seeds", "2", "--executor", "serial", "--quiet", "--out", str(out)], env=env, check=True,
                   capture_output=True)
    return out


@pytest.mark.parametrize(("option", "signum"), [("-o", signal.SIGTERM), ("-o", signal.SIGINT),
                                               ("--html", signal.SIGTERM), ("--markdown", signal.SIGINT)])
def test_an_interrupted_report_leaves_no_partial_output(tmp_path, env, results, signum, option):
    before = sorted(os.listdir(tmp_path))
    target = {"-o": "table.txt", "--html": "report.html", "--markdown": "md"}[option]
    _, stderr = _stalled(tmp_path, env, "os.replace", ["report", str(results), option, target, "--no-plots"], signum)
    assert stderr == "nnbench: interrupted\n"
    after = set(os.listdir(tmp_path)) - {"stalled"}
    if option == "--markdown":  # its folder is made, and holds nothing
        assert after == {*before, "md"} and os.listdir(tmp_path / "md") == []
    else:
        assert after == set(before)  # no output and no temporary file
