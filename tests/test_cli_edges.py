"""Command-line edges a new user hit: repeated --trainers, a list of seeds, a closed pipe,
a damaged results file in report, an unreachable cost target."""

from __future__ import annotations

import os
import subprocess
import sys

from nnbench.cli.main import main
from nnbench.results.store import read_results

RUN = ["run", "--problem", "tutorial", "--quiet"]


def test_repeated_trainers_are_their_union_and_seeds_may_be_listed(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main([*RUN, "--trainers", "BFGS", "--trainers", "Nelder-Mead", "--seeds", "0,3", "--out", str(out)]) == 0
    _, recs = read_results(out)
    assert sorted((r.trainer, r.seed) for r in recs) == [("BFGS", 0), ("BFGS", 3), ("Nelder-Mead", 0),
                                                          ("Nelder-Mead", 3)]
    capsys.readouterr()
    assert main([*RUN, "--trainers", "BFGS", "--seeds", "0,x", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert capsys.readouterr().err == "nnbench: error: --seeds[1]: must be a non-negative integer, got 'x'\n"


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly():
    # the reader is gone before the command writes (as `| head -1` once it has its line), so
    # every write fails with EPIPE, whatever the timing
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "nnbench.cli", "list", "trainers"], stdout=write,
                              stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_report_says_a_damaged_last_line_in_one_line(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main([*RUN, "--trainers", "BFGS", "--seeds", "2", "--out", str(out)]) == 0
    out.write_bytes(out.read_bytes()[:-40])
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"nnbench: warning: {out}, line 3: skipped a damaged last line (")
    assert err.endswith("); the run that wrote it was probably killed\n") and err.count("\n") == 1


def test_a_cost_target_below_zero_is_refused(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main([*RUN, "--trainers", "BFGS", "--seeds", "1", "--target-cost", "-1", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "nnbench: error: --target-cost: must be a non-negative number, got -1\n"
    assert not out.exists()


def test_a_tab_delimiter_can_be_typed_as_backslash_t(tmp_path, capsys):
    data = tmp_path / "tab.csv"
    data.write_text("x_1\tx_2\ty\n1\t0\t1\n0\t1\t0\n1\t1\t0\n0\t0\t1\n")  # the tutorial's rows
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", str(data), "--delimiter", "\\t", "--hidden", "2", "--no-bias", "--trainers",
                 "BFGS", "--seeds", "1", "--quiet", "--out", str(out)]) == 0
    (rec,) = read_results(out)[1]
    assert rec.dataset.delimiter == "\t" and rec.status == "ok" and rec.best_cost < 1e-6
