"""Results files written by one writer at a time, never over a run's inputs, created
exclusively, and a write that fails said in one line that tells what is kept and how to go on;
``--resume`` refuses a file whose trials meant something else."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time

import pytest

from nnbench.cli import main
from nnbench.errors import ResultsError
from nnbench.results import store
from nnbench.results.store import ResultsLock, ResultsWriter, new_results_file, read_results, run_metadata

#: Trainers for the runs of these tests: ``slow`` sleeps 0.3 s, ``remover`` removes the
#: folder ``NNBENCH_TEST_REMOVE`` names on its second call.
PLUGIN = textwrap.dedent('''
    import os, shutil, time
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    def slow(objective, x0, budget, rng):
        time.sleep(0.3)
        return TrainResult(x=x0, fun=objective.fun(x0), success=True)

    def remover(objective, x0, budget, rng):
        folder = os.environ["NNBENCH_TEST_REMOVE"]
        calls = folder + ".calls"
        n = int(open(calls).read()) if os.path.exists(calls) else 0
        with open(calls, "w") as f:
            f.write(str(n + 1))
        if n == 1:
            shutil.rmtree(folder)
        return TrainResult(x=x0, fun=objective.fun(x0), success=True)

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name=f.__name__, family="first-order", train=f, summary=f.__name__) for f in (slow, remover)]
''')

CSV = "x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n"


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """``-p`` arguments of the test plugin, importable here and in subprocesses."""
    folder = tmp_path / "plugin"
    folder.mkdir()
    (folder / "nnbench_test_writers.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]))
    return ["-p", "nnbench_test_writers"]


def _err(capsys, lines: int = 1) -> str:
    """The last line of stderr, which has ``lines`` lines."""
    err = capsys.readouterr().err
    assert err.count("\n") == lines and "Traceback" not in err, err
    return err.rstrip("\n").splitlines()[-1]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- one writer at a time ---------------------------------------------------------------------

def test_a_second_writer_is_refused_with_the_pid_of_the_first(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultsWriter(path, run_metadata("test")):
        lock = tmp_path / "r.jsonl.lock"
        assert lock.read_text() == f"{os.getpid()}\n"
        with pytest.raises(ResultsError) as info:
            ResultsWriter(path, run_metadata("test"), mode="append")
        assert str(info.value) == f"{path} is being written by pid {os.getpid()}"
        with pytest.raises(ResultsError, match="is being written by pid"):
            ResultsLock(path)
    assert not lock.exists()  # removed on close
    ResultsLock(path).release()  # and free again


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / "r.jsonl"
    lock = tmp_path / "r.jsonl.lock"
    lock.write_text(f"{_dead_pid()}\n")  # left by a run killed with SIGKILL
    with ResultsWriter(path, run_metadata("test")):
        assert lock.read_text() == f"{os.getpid()}\n"
    assert not lock.exists()


def test_two_resumes_of_one_file_at_once_the_second_refuses(tmp_path, plugin):
    out = tmp_path / "r.jsonl"
    args = [sys.executable, "-m", "nnbench.cli", "run", *plugin, "--dataset", "tutorial", "--trainers", "slow",
            "--seeds", "8", "--quiet",
            "--executor", "serial", "--out", str(out), "--resume"]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + 60
        while not (out.exists() and out.read_text().count("\n") >= 2):  # running: metadata and a trial written
            assert first.poll() is None and time.monotonic() < end, first.communicate()
            time.sleep(0.02)
        second = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert second.stderr == f"nnbench: error: {out} is being written by pid {first.pid}\n"
        assert second.stdout == ""
    finally:
        stdout, stderr = first.communicate(timeout=60)
    assert first.returncode == 0, stderr
    _, records = read_results(out)
    assert sorted(r.seed for r in records) == list(range(8))  # every trial once
    assert not (tmp_path / "r.jsonl.lock").exists()


# -- --resume checks every setting that changes what a trial means ------------------------------

BASE = ["run", "--dataset", "tutorial", "--trainers", "adam", "--seeds", "2", "--quiet", "--executor", "serial",
        "--max-evals", "50"]


def test_resume_with_another_target_is_a_one_line_error_naming_both(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main([*BASE, "--target-cost", "0.01", "--out", str(out)]) == 0
    text = out.read_text()
    capsys.readouterr()
    assert main([*BASE, "--target-cost", "0.5", "--out", str(out), "--resume"]) == 2
    assert _err(capsys) == (f"nnbench: error: --resume {out}: its trials ran with --target-cost 0.01, this run has "
                            "--target-cost 0.5; resume with the same --target-cost, or start a new file")
    assert main([*BASE, "--out", str(out), "--resume"]) == 2
    assert _err(capsys) == (f"nnbench: error: --resume {out}: its trials ran with --target-cost 0.01, this run has "
                            "no --target-cost; resume with the same --target-cost, or start a new file")
    assert out.read_text() == text
    assert main([*BASE, "--target-cost", "1e-2", "--out", str(out), "--resume"]) == 0  # the same value
    assert "2 of 2 trials are done, 0 to run" in capsys.readouterr().err


def test_resume_with_other_options_runs_them_as_new_trials(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main([*BASE, "--option", "adam.learning_rate=0.01", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main([*BASE, "--option", "adam.learning_rate=0.02", "--out", str(out), "--resume"]) == 0
    assert "0 of 2 trials are done, 2 to run" in capsys.readouterr().err
    _, records = read_results(out)
    assert sorted((r.options["learning_rate"], r.seed) for r in records) == [(0.01, 0), (0.01, 1), (0.02, 0), (0.02, 1)]
    assert len({r.key for r in records}) == 4


# -- outputs never destroy inputs ---------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["data.csv", "./data.csv", "sub/../data.csv"])
def test_out_is_never_the_csv_of_the_run_even_with_force(tmp_path, monkeypatch, capsys, spelling):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(CSV)
    (tmp_path / "sub").mkdir()
    assert main(["run", "--dataset", "data.csv", "--trainers", "adam", "--seeds", "1", "--quiet",
                 "--out", spelling, "--force"]) == 2
    assert _err(capsys) == (f"nnbench: error: --out {spelling} is one of this run's inputs (--dataset data.csv); "
                            "choose another results file")
    assert (tmp_path / "data.csv").read_text() == CSV
    assert not (tmp_path / "data.csv.lock").exists()


def test_out_is_never_the_suite_file_or_a_csv_it_names(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(CSV)
    suite = tmp_path / "suite.toml"
    text = 'trainers = "adam"\nseeds = 1\n[executor]\nkind = "serial"\n[datasets.d]\nsource = "d.csv"\n'
    suite.write_text(text)
    assert main(["run", "suite.toml", "--quiet", "--out", "suite.toml", "--force"]) == 2
    assert _err(capsys) == ("nnbench: error: --out suite.toml is one of this run's inputs (the suite file); "
                            "choose another results file")
    assert main(["run", "suite.toml", "--quiet", "--out", "d.csv", "--force"]) == 2
    assert _err(capsys) == ("nnbench: error: --out d.csv is one of this run's inputs (d.csv, a dataset of "
                            "suite.toml); choose another results file")
    assert suite.read_text() == text and (tmp_path / "d.csv").read_text() == CSV


def test_the_default_results_file_is_created_exclusively(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "_stamp", lambda: "20250101-120000")  # two runs in the same second
    meta = run_metadata("test")
    with new_results_file(meta, tmp_path) as a, new_results_file(meta, tmp_path) as b:
        assert (a.path.name, b.path.name) == ("run-20250101-120000.jsonl", "run-20250101-120000-1.jsonl")
    (tmp_path / "run-20250101-120000-2.jsonl").write_text("another run's\n")  # made meanwhile by another
    with new_results_file(meta, tmp_path) as c:
        assert c.path.name == "run-20250101-120000-3.jsonl"
    assert (tmp_path / "run-20250101-120000-2.jsonl").read_text() == "another run's\n"


def test_two_runs_without_out_in_one_second_write_two_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(store, "_stamp", lambda: "20250101-120000")
    for _ in range(2):
        assert main(BASE) == 0
    files = sorted(p.name for p in (tmp_path / "nnbench-results").iterdir())
    assert files == ["run-20250101-120000-1.jsonl", "run-20250101-120000.jsonl"]
    assert all(len(read_results(tmp_path / "nnbench-results" / f)[1]) == 2 for f in files)


# -- a write that fails -------------------------------------------------------------------------

class _FullDisk:
    """A results file on a disk that fills up: after ``room`` writes, each write puts half of
    its bytes down and raises ``OSError(ENOSPC)``."""

    def __init__(self, f, room: int) -> None:
        self._f, self._room = f, room

    def write(self, data):
        if self._room <= 0:
            self._f.write(bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= 1
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)


def test_a_full_disk_is_one_line_with_what_is_kept_and_how_to_complete_it(tmp_path, monkeypatch, capsys):
    out = tmp_path / "r.jsonl"
    real = ResultsWriter._open
    monkeypatch.setattr(ResultsWriter, "_open", lambda self, mode: _FullDisk(real(self, mode), room=3))
    args = [*BASE, "--seeds", "5", "--out", str(out)]
    assert main(args) == 2  # the metadata line and 2 trials fit
    assert _err(capsys) == (f"nnbench: error: cannot write {out} (No space left on device); 2 trials are kept in "
                            f"it; complete it with --resume --out {out}")
    assert capsys.readouterr().out == ""
    assert out.read_text().endswith("\n")  # cut back to its last whole line
    _, records = read_results(out)
    assert [r.seed for r in records] == [0, 1]
    assert not (tmp_path / "r.jsonl.lock").exists()

    monkeypatch.setattr(ResultsWriter, "_open", lambda self, mode: _FullDisk(real(self, mode), room=1))
    assert main([*args, "--resume"]) == 2  # on resuming, one more fits
    assert _err(capsys, lines=2) == (f"nnbench: error: cannot write {out} (No space left on device); 3 trials are kept in "
                            f"it; complete it with --resume --out {out}")
    monkeypatch.setattr(ResultsWriter, "_open", real)  # room again
    assert main([*args, "--resume"]) == 0
    assert "3 of 5 trials are done, 2 to run" in capsys.readouterr().err
    assert sorted(r.seed for r in read_results(out)[1]) == [0, 1, 2, 3, 4]


def test_a_results_folder_removed_during_the_run_is_one_line(tmp_path, plugin, monkeypatch, capsys):
    folder = tmp_path / "results"
    out = folder / "r.jsonl"
    monkeypatch.setenv("NNBENCH_TEST_REMOVE", str(folder))
    folder.mkdir()
    assert main(["run", *plugin, "--trainers", "remover", "--seeds", "3", "--quiet", "--executor", "serial",
                 "--out", str(out)]) == 2
    assert _err(capsys) == (f"nnbench: error: cannot write {out} (it was removed during the run); 0 trials are kept "
                            f"in it; complete it with --resume --out {out}")
    assert not folder.exists()


def test_metadata_is_written_whole_or_the_writer_says_so(tmp_path, monkeypatch):
    path = tmp_path / "r.jsonl"
    real = ResultsWriter._open
    monkeypatch.setattr(ResultsWriter, "_open", lambda self, mode: _FullDisk(real(self, mode), room=0))
    with pytest.raises(store.ResultsWriteError) as info:
        ResultsWriter(path, run_metadata("test"))
    assert str(info.value) == f"cannot write {path} (No space left on device); 0 trials of this run are kept in it"
    assert not path.exists() and not (tmp_path / "r.jsonl.lock").exists()  # a new file that holds nothing goes


def test_the_python_api_never_writes_over_its_csv_either(tmp_path, monkeypatch):
    import nnbench
    from nnbench import DatasetSpec, NetworkSpec, Suite

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(CSV)
    suite = Suite(problems=[(DatasetSpec("data.csv"), NetworkSpec((2,), bias=False))], trainers="BFGS", seeds=[0])
    with pytest.raises(ResultsError) as info:
        nnbench.run(suite, out="./data.csv", force=True)
    assert str(info.value) == ("out ./data.csv is one of this run's inputs (the dataset data.csv); "
                               "choose another results file")
    assert (tmp_path / "data.csv").read_text() == CSV
