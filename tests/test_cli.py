"""The command line: the main job end to end, listings, report round trip, tutorial."""

from __future__ import annotations

import json
import statistics
from importlib.resources import files

import pytest

from nnbench import __version__
from nnbench.cli import main, parse_option
from nnbench.errors import ConfigError

TUTORIAL_CSV = str(files("nnbench.datasets") / "data" / "data.csv")


def test_tutorial_csv_with_bfgs_fits_every_seed_with_few_evaluations(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    code = main(["run", "--dataset", TUTORIAL_CSV, "--hidden", "2", "--no-bias", "--trainers", "BFGS",
                 "--seeds", "5", "--out", str(out), "--quiet"])
    assert code == 0
    recs = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert len(recs) == 5 and {r["seed"] for r in recs} == set(range(5))
    assert all(r["train"]["pearson_r"] >= 0.999 for r in recs)
    # the tutorial's BFGS with finite differences needed 264 evaluations
    assert statistics.median(r["evaluations"] for r in recs) <= 264 / 3
    table = capsys.readouterr().out
    assert "data | h2 sigmoid nobias sse | 6 weights" in table and "BFGS" in table


def test_report_reloads_the_same_table(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--trainers", "L-BFGS-B,Nelder-Mead,least_squares-lm", "--seeds", "2",
                 "--hidden", "2", "--no-bias", "--out", str(out), "--quiet", "--format", "github"]) == 0
    printed = capsys.readouterr().out
    assert main(["report", str(out), "--format", "github"]) == 0
    assert capsys.readouterr().out == printed
    assert "least_squares-lm needs at least 1 residual(s) per weight" in printed


def test_per_trial_csv_and_json_formats(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    main(["run", "--dataset", "tutorial", "--trainers", "BFGS", "--seeds", "2", "--out", str(out), "--quiet",
          "--format", "csv", "--per-trial"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dataset,network,trainer,seed,status") and len(lines) == 3
    main(["report", str(out), "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["trainer"] == "BFGS" and rows[0]["runs"] == 2


def test_existing_output_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    out.write_text("precious\n")
    assert main(["run", "--trainers", "BFGS", "--seeds", "1", "--out", str(out), "--quiet"]) == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert out.read_text() == "precious\n"


def test_list_trainers_shows_every_builtin(capsys, n_builtin_trainers):
    assert main(["list", "trainers"]) == 0
    text = capsys.readouterr().out
    for name in ("Nelder-Mead", "Powell", "CG", "BFGS", "Newton-CG", "L-BFGS-B", "TNC", "COBYLA", "COBYQA",
                 "SLSQP", "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov",
                 "basinhopping", "differential_evolution", "dual_annealing", "shgo", "direct",
                 "least_squares-trf", "least_squares-dogbox", "least_squares-lm",
                 "gradient-descent", "momentum", "adam"):
        assert f"\n{name} " in text
    assert int(text.strip().splitlines()[-1].split()[0]) >= n_builtin_trainers


def test_list_datasets_and_plugins(capsys):
    assert main(["list", "datasets"]) == 0
    text = capsys.readouterr().out
    assert "diabetes" in text and "442" in text
    assert main(["list", "plugins"]) == 0
    assert "nnbench_scipy" in capsys.readouterr().out


def test_tutorial_replay(capsys):
    assert main(["tutorial"]) == 0
    text = capsys.readouterr().out
    assert "[0.21150694 0.28947141 0.18456373 0.32102082]" in text
    assert "1.2005915057" in text and "nit: 32" in text and "Pearson r = 1.0000000000" in text


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"nnbench {__version__}"


def test_parse_option():
    assert parse_option("adam.learning_rate=0.01") == ("adam", "learning_rate", 0.01)
    assert parse_option("least_squares-trf.x_scale=jac") == ("least_squares-trf", "x_scale", "jac")
    assert parse_option("BFGS.xrtol=1e-9") == ("BFGS", "xrtol", 1e-9)
    assert parse_option("adam.amsgrad=true") == ("adam", "amsgrad", True)
    with pytest.raises(ConfigError, match="expected TRAINER.KEY=VALUE"):
        parse_option("learning_rate=0.01")


def test_trainer_option_reaches_the_trainer(tmp_path):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "tutorial", "--trainers", "gradient-descent", "--seeds", "1", "--max-evals",
                 "50", "--out", str(out), "--quiet", "--option", "gradient-descent.learning_rate=1e-300"]) == 0
    rec = json.loads(out.read_text().splitlines()[1])
    assert rec["options"] == {"learning_rate": 1e-300} and rec["evaluations"] == 50
    # steps of 1e-300 never move weights of order 1: the best cost is the initial cost
    assert rec["best_cost"] == rec["initial_cost"]


def test_bad_option_value_is_an_error_before_the_run(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "tutorial", "--trainers", "adam", "--seeds", "1", "--out", str(out),
                 "--quiet", "--option", "adam.learning_rate=-1"]) == 2
    assert capsys.readouterr().err == "nnbench: error: --option adam.learning_rate: must be a positive number, got -1\n"
    assert not out.exists()
