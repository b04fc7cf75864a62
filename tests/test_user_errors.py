"""Bad input found by trying nnbench as a new user: each a one-line error, exit 2, nothing lost."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnbench.cli import main
from nnbench.errors import ConfigError
from nnbench.core.objective import Objective
from nnbench.reporting.tables import render


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.fixture
def results(tmp_path):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "tutorial", "--trainers", "BFGS", "--seeds", "1", "--out", str(out),
                 "--quiet", "--executor", "serial"]) == 0
    return out


@pytest.mark.parametrize("option", ["-o", "--html"])
def test_report_never_writes_over_its_own_input(results, capsys, option):
    before = results.read_text()
    assert main(["report", str(results), option, str(results), "--no-plots"]) == 2
    assert _err(capsys) == (f"nnbench: error: {option} {results} is one of the results files being read; "
                            "choose another output path")
    assert results.read_text() == before


def test_report_reads_a_file_named_twice_once(results, capsys):
    assert main(["report", str(results), str(results), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "read once" in captured.err
    rows = json.loads(captured.out)
    assert [(r["trainer"], r["runs"]) for r in rows] == [("BFGS", 1)]  # not 2 runs


def test_a_network_too_large_for_the_machine(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--hidden", "100000,100000", "--out", str(out), "--quiet"]) == 2
    assert _err(capsys).startswith("nnbench: error: --hidden 100000,100000: a network of 10000500001 weights")
    assert not out.exists()


def test_time_limit_has_an_upper_bound(capsys):
    assert main(["run", "--time-limit", "1e8"]) == 2
    assert _err(capsys) == "nnbench: error: --time-limit: must be a positive number of at most 1e+06, got 100000000.0"


@pytest.mark.parametrize("option,message", [
    ("adam.learning_rate=abc", "--option adam.learning_rate: must be a positive number, got 'abc'"),
    ("adam.nosuchkey=1", "--option adam.nosuchkey: adam has no option 'nosuchkey'; its options: beta1, beta2, "
                         "epsilon, gtol, learning_rate, max_steps"),
    ("adam.learning_rate=1e400", "--option adam.learning_rate: must be a positive number, got inf"),
    ("adam.learning_rat=1", "--option adam.learning_rat: adam has no option 'learning_rat' (did you mean "
                            "learning_rate?)"),
])
def test_trainer_options_are_checked_before_the_run(tmp_path, capsys, option, message):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--trainers", "adam", "--option", option, "--out", str(out), "--quiet"]) == 2
    assert _err(capsys) == f"nnbench: error: {message}"
    assert not out.exists()


def test_cross_entropy_needs_targets_in_the_unit_interval():
    X, y = np.zeros((3, 1)), np.array([0.0, 1.0, 2.5])
    with pytest.raises(ConfigError, match=r"loss 'bce' needs targets in \[0, 1\]; these range from 0 to 2.5"):
        Objective.from_arrays(X, y, output_activation="sigmoid", loss="bce")


def test_resume_with_another_budget_is_refused(results, capsys):
    before = results.read_text()
    assert main(["run", "--dataset", "tutorial", "--trainers", "BFGS", "--seeds", "2", "--out", str(results),
                 "--resume", "--max-evals", "10", "--quiet"]) == 2
    assert _err(capsys) == (f"nnbench: error: --resume {results}: its trials of tutorial | h2 sigmoid sse ran "
                            "with another budget (--max-evals 1000 --time-limit 60, this run --max-evals 10 "
                            "--time-limit 60); resume with the same --max-evals and --time-limit, or start a new file")
    assert results.read_text() == before


def test_target_column_stays_when_no_run_reached_it(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "tutorial", "--trainers", "adam", "--seeds", "1", "--max-evals", "5",
                 "--target-cost", "1e-12", "--out", str(out), "--quiet", "--executor", "serial"]) == 0
    header, _, row = capsys.readouterr().out.splitlines()[1:4]
    # the column under the "target" header holds 0%: no run reached a cost of 1e-12
    at = header.index("target")
    assert row[at:at + len("target")].strip() == "0%"
    from nnbench.results.store import read_results

    assert "target" in render(read_results(out)[1]).splitlines()[1]


def test_results_of_a_newer_schema_are_refused(tmp_path, capsys):
    path = tmp_path / "future.jsonl"
    path.write_text('{"kind": "metadata", "schema": 99}\n')
    assert main(["report", str(path)]) == 2
    assert _err(capsys) == (f"nnbench: error: {path}, line 1: results schema 99; this nnbench reads schema 4 "
                            "and older (upgrade nnbench)")


def test_plugin_modules_given_by_path_or_exiting_or_without_hooks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    (tmp_path / "exiter_plugin.py").write_text("import sys\nsys.exit(3)\n")
    (tmp_path / "hookless_plugin.py").write_text("def nnbench_trainers():\n    return []\n")
    assert main(["list", "trainers", "-p", "./exiter_plugin.py"]) == 2
    assert "give the module's import name (e.g. -p mymodule" in _err(capsys)
    assert main(["list", "trainers", "-p", "exiter_plugin"]) == 2  # found in the current directory
    assert _err(capsys) == "nnbench: error: plugin given with -p 'exiter_plugin' failed to import: SystemExit: 3"
    assert main(["list", "trainers", "-p", "hookless_plugin", "--strict-plugins"]) == 2
    assert _err(capsys) == ("nnbench: error: plugin given with -p 'hookless_plugin' implements no nnbench hook "
                            "(mark its functions with @nnbench.hookimpl)")


def test_activation_names_have_one_spelling():
    from nnbench.running.trial import NetworkSpec

    assert NetworkSpec((2,), activation="RELU").label == NetworkSpec((2,), activation="relu").label == "h2 relu sse"
