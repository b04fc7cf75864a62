"""Nothing lost: a run killed with SIGKILL, cut mid-line or stopped with Ctrl-C keeps every
finished trial, and ``--resume`` runs only the missing ones."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from nnbench.cli import main

from nnbench.results.store import read_results

#: A trainer of about 0.15 s per trial, importable by the workers of a subprocess.
TICK = textwrap.dedent('''
    import os, time
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def tick(objective, x0, budget, rng):
        time.sleep(0.15)
        return TrainResult(x=x0 * 0.5, fun=objective.fun(x0 * 0.5), success=True)

    def spin(objective, x0, budget, rng):
        objective.fun(x0)
        open(os.path.join(os.environ["NNBENCH_TEST_SPIN_DIR"], str(os.getpid())), "w").close()
        while True:
            pass

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name="tick", family="first-order", train=tick, summary="sleeps 0.15 s"),
                Trainer(name="spin", family="first-order", train=spin, summary="never returns")]
''')

N_SEEDS = 16


@pytest.fixture
def tick(tmp_path, monkeypatch):
    """The plugin on sys.path (this process) and PYTHONPATH (subprocesses); returns the args."""
    (tmp_path / "nnbench_test_tick.py").write_text(TICK)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return ["-p", "nnbench_test_tick", "--trainers", "tick", "--seeds", str(N_SEEDS), "--quiet", "--hidden", "2",
            "--no-bias"]


def _start(args, **kw):
    kw = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.Popen([sys.executable, "-m", "nnbench.cli", "run", *args], text=True, **kw)


def _wait_for_records(path, n, proc, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and path.read_text().count("\n") > n:  # metadata line + n records
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"fewer than {n} records after {timeout} s")


def _keys(path):
    _, records = read_results(path)
    return Counter(r.key for r in records), records


@pytest.mark.slow
def test_sigkill_halfway_then_resume_runs_only_the_missing_trials(tmp_path, tick, capsys):
    out = tmp_path / "r.jsonl"
    proc = _start([*tick, "--jobs", "2", "--out", str(out)])
    _wait_for_records(out, N_SEEDS // 2, proc)
    proc.kill()  # SIGKILL: no cleanup of any kind
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    before = out.read_text()
    kept = before[:before.rfind("\n") + 1]  # the complete lines
    done = kept.count("\n") - 1
    assert N_SEEDS // 2 <= done < N_SEEDS

    assert main(["run", *tick, "--jobs", "2", "--out", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"{done} of {N_SEEDS} trials are done, {N_SEEDS - done} to run" in err
    after = out.read_text()
    assert after.startswith(kept)  # the finished trials were kept as they were, not rerun
    counts, records = _keys(out)
    assert len(records) == N_SEEDS and set(counts.values()) == {1}  # every trial exactly once
    assert sorted(r["seed"] for r in records) == list(range(N_SEEDS))


def test_half_written_last_line_is_dropped_with_a_warning_and_rerun(tmp_path, tick, capsys):
    out = tmp_path / "r.jsonl"
    args = ["run", *tick[:4], *tick[-3:], "--seeds", "3", "--quiet", "--executor", "serial", "--out", str(out)]
    assert main(args) == 0
    lines = out.read_text().splitlines(keepends=True)
    assert len(lines) == 4
    damaged = lines[-1][: len(lines[-1]) // 2]
    out.write_text("".join(lines[:-1]) + damaged)  # a power cut in the middle of the last write
    capsys.readouterr()

    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"{out}, line 4: skipped a damaged last line" in err and err.startswith("nnbench: warning: ")
    assert "2 of 3 trials are done, 1 to run" in err
    counts, records = _keys(out)  # readable again, without a warning
    assert len(records) == 3 and set(counts.values()) == {1}
    assert out.read_text().startswith("".join(lines[:-1]))


def test_resume_of_a_complete_file_runs_nothing(tmp_path, tick, capsys):
    out = tmp_path / "r.jsonl"
    args = ["run", *tick[:4], *tick[-3:], "--seeds", "2", "--quiet", "--executor", "serial", "--out", str(out)]
    assert main(args) == 0
    text = out.read_text()
    capsys.readouterr()
    assert main([*args, "--resume"]) == 0
    captured = capsys.readouterr()
    assert "2 of 2 trials are done, 0 to run" in captured.err and "tick" in captured.out  # the table
    assert out.read_text() == text


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_keeps_finished_trials_and_prints_the_table(tmp_path, tick):
    out = tmp_path / "r.jsonl"
    # a terminal sends SIGINT to the whole process group: the workers too
    proc = _start([*tick, "--jobs", "2", "--out", str(out)], start_new_session=True)
    _wait_for_records(out, 3, proc)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    done = int(stderr.split("interrupted after ")[1].split()[0])
    assert 3 <= done < N_SEEDS and f"complete it with --resume --out {out}" in stderr
    assert "tick" in stdout and "h2 sigmoid nobias sse" in stdout  # the table so far
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + done and all(json.loads(line) for line in lines)  # no damaged line
    time.sleep(0.5)
    assert out.read_text().count("\n") == 1 + done  # no worker is left writing


def _children(pid: int) -> set[int]:
    """The pids whose parent is ``pid`` (Linux /proc)."""
    kids = set()
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{stat}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    kids.add(int(stat))
    return kids


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_of_the_parent_leaves_no_worker_spinning(tmp_path, tick, monkeypatch):
    out, marks = tmp_path / "r.jsonl", tmp_path / "spinning"
    marks.mkdir()
    monkeypatch.setenv("NNBENCH_TEST_SPIN_DIR", str(marks))
    proc = _start(["-p", "nnbench_test_tick", "--trainers", "spin", "--seeds", "2", "--quiet", "--jobs", "2",
                   "--time-limit", "60", "--out", str(out)],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # a surviving worker holds no pipe
    end = time.monotonic() + 60
    while len(list(marks.iterdir())) < 2 and time.monotonic() < end:
        time.sleep(0.05)
    workers = {int(p.name) for p in marks.iterdir()}
    assert len(workers) == 2 and workers <= _children(proc.pid)  # both in the endless loop
    proc.kill()
    proc.wait(timeout=10)
    end = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{w}") for w in workers) and time.monotonic() < end:
        time.sleep(0.05)
    alive = [w for w in workers if os.path.exists(f"/proc/{w}")]
    for w in alive:  # do not leave them behind if the test fails
        os.kill(w, signal.SIGKILL)
    assert not alive, "workers outlived a kill -9 of nnbench run"
