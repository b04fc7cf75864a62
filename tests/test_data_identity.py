"""A dataset is what its bytes (or its name and nnbench's data version) are, never how its path
is spelled: resume, report and labels go by that identity, and a trial found twice counts once."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil

import numpy as np
import pytest

from nnbench import DatasetSpec
from nnbench.cli import main
from nnbench.datasets import BUNDLED_CATALOG
from nnbench.datasets.bundled import DATA_VERSION
from nnbench.results.record import problem_labels, trial_key
from nnbench.results.store import deduplicate, read_results

TUTORIAL_CSV = "x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n"

RUN = ["--trainers", "BFGS,adam", "--seeds", "3", "--hidden", "2", "--no-bias", "--max-evals", "200",
       "--executor", "serial", "--quiet", "--format", "csv"]
#: RUN with BFGS alone (a repeated --trainers adds to the first).
RUN_BFGS = [("BFGS" if x == "BFGS,adam" else x) for x in RUN]


def _rows(capsys) -> tuple[list[tuple[str, str, int]], str]:
    """``[(dataset, trainer, runs)]`` of the csv table printed, and stderr."""
    captured = capsys.readouterr()
    rows = [(r["dataset"], r["trainer"], int(r["runs"])) for r in csv.DictReader(io.StringIO(captured.out))]
    return rows, captured.err


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_identity_is_the_bytes_target_delimiter_and_preparation_not_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(TUTORIAL_CSV)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "copy.csv").write_text(TUTORIAL_CSV)
    ident = BUNDLED_CATALOG.identity(DatasetSpec("data.csv"))
    # the documented formula: SHA-256 of the JSON of the file's SHA-256, target, delimiter, preparation
    described = {"sha256": _sha(TUTORIAL_CSV), "delimiter": ",", "target": None, "standardize": "none",
                 "test_size": None, "split_seed": 0}
    assert ident == _sha(json.dumps(described, sort_keys=True))
    for spelling in ("./data.csv", str(tmp_path / "data.csv"), "sub/../data.csv", "sub/copy.csv"):
        assert BUNDLED_CATALOG.identity(DatasetSpec(spelling)) == ident, spelling
    others = {BUNDLED_CATALOG.identity(DatasetSpec("data.csv", **kw)) for kw in
              ({"target": ("x_1",)}, {"delimiter": ";"}, {"standardize": "features"}, {"test_size": 0.5},
               {"test_size": 0.5, "split_seed": 1})}
    assert len(others) == 5 and ident not in others
    copy = tmp_path / "sub" / "copy.csv"
    before = copy.stat().st_mtime_ns
    copy.write_text(TUTORIAL_CSV.replace("0,0,1", "0,0,2"))  # one byte
    # a later modification time, whatever the file system's clock granularity
    os.utime(copy, ns=(before + 10**9, before + 10**9))
    assert BUNDLED_CATALOG.identity(DatasetSpec("sub/copy.csv")) != ident  # the catalog reads it again
    spec = DatasetSpec("sub/copy.csv")
    assert BUNDLED_CATALOG.prepare(spec)[0].y[3, 0] == 2.0  # and so does its prepared data


def test_a_bundled_dataset_is_its_name_and_the_data_version():
    described = {"name": "tutorial", "data_version": DATA_VERSION, "target": None, "standardize": "none",
                 "test_size": None, "split_seed": 0}
    assert BUNDLED_CATALOG.identity(DatasetSpec("tutorial")) == _sha(json.dumps(described, sort_keys=True))
    assert BUNDLED_CATALOG.identity(DatasetSpec("xor")) != BUNDLED_CATALOG.identity(DatasetSpec("tutorial"))


def test_a_generated_dataset_is_its_name_and_its_size_as_a_number():
    described = {"name": "parity", "size": 8, "data_version": DATA_VERSION, "target": None, "standardize": "none",
                 "test_size": None, "split_seed": 0}
    ident = BUNDLED_CATALOG.identity(DatasetSpec("parity:8"))
    assert ident == _sha(json.dumps(described, sort_keys=True))
    assert BUNDLED_CATALOG.identity(DatasetSpec("parity:08")) == ident
    assert BUNDLED_CATALOG.identity(DatasetSpec("parity:9")) != ident


def test_resume_and_the_table_go_by_the_data_however_its_path_is_spelled(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(TUTORIAL_CSV)
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "data.csv", *RUN, "--out", str(out)]) == 0
    rows, _ = _rows(capsys)
    assert rows == [("data", "BFGS", 3), ("data", "adam", 3)]
    text = out.read_text()
    _, records = read_results(out)
    ident = BUNDLED_CATALOG.identity(DatasetSpec("data.csv"))
    assert {r.data_id for r in records} == {ident}

    for spelling in ("./data.csv", str(tmp_path / "data.csv")):
        assert main(["run", "--dataset", spelling, *RUN, "--out", str(out), "--resume"]) == 0
        rows, err = _rows(capsys)
        assert "6 of 6 trials are done, 0 to run" in err, spelling
        assert rows == [("data", "BFGS", 3), ("data", "adam", 3)]  # each trainer's runs once
        assert out.read_text() == text

    (tmp_path / "elsewhere").mkdir()
    shutil.move(tmp_path / "data.csv", tmp_path / "elsewhere" / "renamed.csv")  # moved and renamed
    assert main(["run", "--dataset", "elsewhere/renamed.csv", *RUN, "--out", str(out), "--resume"]) == 0
    rows, err = _rows(capsys)
    assert "6 of 6 trials are done, 0 to run" in err
    assert rows == [("data", "BFGS", 3), ("data", "adam", 3)]
    assert out.read_text() == text

    changed = TUTORIAL_CSV.replace("1,1,0", "1,1,1")  # one byte
    (tmp_path / "elsewhere" / "renamed.csv").write_text(changed)
    assert main(["run", "--dataset", "elsewhere/renamed.csv", *RUN, "--out", str(out), "--resume"]) == 0
    rows, err = _rows(capsys)
    assert "0 of 6 trials are done, 6 to run" in err
    assert rows == [("data", "BFGS", 3), ("data", "adam", 3), ("renamed", "BFGS", 3), ("renamed", "adam", 3)]


def test_a_results_file_without_data_ids_resumes_by_the_data_as_it_is(tmp_path, monkeypatch, capsys):
    """Files written before nnbench recorded ``data_id`` read it as ``None``; ``--resume`` keys
    their trials by the data the path holds now."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(TUTORIAL_CSV)
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "data.csv", *RUN, "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    old = [lines[0]] + [json.dumps({k: v for k, v in json.loads(x).items() if k != "data_id"}) for x in lines[1:]]
    out.write_text("\n".join(old) + "\n")
    assert {r.data_id for r in read_results(out)[1]} == {None}
    capsys.readouterr()
    assert main(["run", "--dataset", "./data.csv", *RUN, "--out", str(out), "--resume"]) == 0
    assert "6 of 6 trials are done, 0 to run" in _rows(capsys)[1]


def test_two_datasets_of_one_file_name_get_distinct_labels_and_never_merge(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for folder, text in (("a", TUTORIAL_CSV), ("b", TUTORIAL_CSV.replace("0,0,1", "0,0,0.5"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "data.csv").write_text(text)
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "a/data.csv", "--dataset", "b/data.csv", *RUN_BFGS,
                 "--out", str(out)]) == 0
    rows, _ = _rows(capsys)
    a, b = (BUNDLED_CATALOG.identity(DatasetSpec(f"{d}/data.csv")) for d in "ab")
    assert a[:6] != b[:6]
    assert rows == [(f"data#{a[:6]}", "BFGS", 3), (f"data#{b[:6]}", "BFGS", 3)]
    assert main(["report", str(out)]) == 0  # the text tables say it too
    titles = [line for line in capsys.readouterr().out.splitlines() if " weights" in line]
    assert titles == [f"data#{a[:6]} | h2 sigmoid nobias sse | 6 weights",
                      f"data#{b[:6]} | h2 sigmoid nobias sse | 6 weights"]
    # one of them alone needs no tag
    _, records = read_results(out)
    assert set(problem_labels([r for r in records if r.data_id == a]).values()) == {("data", "h2 sigmoid nobias sse")}


def test_a_label_tag_grows_until_the_datasets_differ():
    from _records import trial

    recs = [trial("A", dataset="x.csv", data_id="abcdef01" + "0" * 56), trial("A", dataset="x.csv", data_id="abcdef02" + "0" * 56),
            trial("A", dataset="y.csv", data_id="abcdef03" + "0" * 56)]
    assert [v[0] for v in problem_labels(recs).values()] == ["x#abcdef01", "x#abcdef02", "y"]


def test_the_html_report_names_each_dataset_apart(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for folder, text in (("a", TUTORIAL_CSV), ("b", TUTORIAL_CSV.replace("0,0,1", "0,0,0.5"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "data.csv").write_text(text)
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "a/data.csv", "--dataset", "b/data.csv", *RUN_BFGS,
                 "--seeds", "2", "--out", str(out)]) == 0
    assert main(["report", str(out), "--html", "r.html", "--no-plots"]) == 0
    html = (tmp_path / "r.html").read_text()
    a, b = (BUNDLED_CATALOG.identity(DatasetSpec(f"{d}/data.csv"))[:6] for d in "ab")
    assert f">data#{a} | h2 sigmoid nobias sse | 6 weights</h2>" in html
    assert f">data#{b} | h2 sigmoid nobias sse | 6 weights</h2>" in html


def test_report_counts_a_trial_found_in_several_places_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "tutorial", *RUN, "--out", str(out)]) == 0
    capsys.readouterr()
    (tmp_path / "twice.jsonl").write_text(out.read_text() * 2)  # a file concatenated to itself
    shutil.copy(out, tmp_path / "copy.jsonl")  # and a copy of it
    assert main(["report", "twice.jsonl", "copy.jsonl", str(out), "--format", "csv"]) == 0
    rows, err = _rows(capsys)
    assert rows == [("tutorial", "BFGS", 3), ("tutorial", "adam", 3)]
    assert err == ("nnbench: 18 duplicate trials ignored (the same trial with the same results in more than one "
                   "place)\n")


def test_report_keeps_a_trial_run_again_with_other_results_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--dataset", "tutorial", *RUN, "--out", "one.jsonl"]) == 0
    assert main(["run", "--dataset", "tutorial", *RUN_BFGS, "--seeds", "2",
                 "--out", "two.jsonl"]) == 0  # seeds 0 and 1 of BFGS again: other wall times
    capsys.readouterr()
    assert main(["report", "one.jsonl", "two.jsonl", "one.jsonl", "--format", "csv"]) == 0
    rows, err = _rows(capsys)
    assert rows == [("tutorial", "BFGS", 5), ("tutorial", "adam", 3)]
    assert err == ("nnbench: a results file named twice is read once\n"
                   "nnbench: 2 trials ran more than once with different results; all 4 runs of them are kept\n")


def test_deduplicate_goes_by_key_and_results_not_by_path():
    from _records import trial

    a = trial("A", seed=0, history=[(1, 0.1, 1.0)], wall_time_s=0.5)
    same_elsewhere = trial("A", seed=0, history=[(1, 0.1, 1.0)], wall_time_s=0.5, dataset="moved/d")
    same_elsewhere.data_id = a.data_id  # the same data, read from another path
    again = trial("A", seed=0, history=[(1, 0.1, 1.0)], wall_time_s=0.7)
    other_seed = trial("A", seed=1, history=[(1, 0.1, 1.0)], wall_time_s=0.5)
    assert a.key == same_elsewhere.key == again.key != other_seed.key
    got = deduplicate([a, same_elsewhere, again, other_seed, a])
    assert got.records == [a, again, other_seed]
    assert (got.duplicates, got.repeated, got.repeats) == (2, 1, 2)


def test_trial_key_holds_the_data_id_not_the_path():
    from nnbench import NetworkSpec

    key = trial_key("ab" * 32, NetworkSpec(), "BFGS", {"gtol": 1e-6}, 3)
    assert json.loads(key) == ["ab" * 32, {"activation": "sigmoid", "bias": True, "hidden": [2], "loss": "sse",
                                           "output_activation": "identity"}, "bfgs", [["gtol", 1e-6]], 3]


@pytest.mark.parametrize("scale", [1e300, 1e155])
def test_standardize_all_on_a_column_of_huge_values_trains_on_true_z_scores(tmp_path, monkeypatch, capsys, scale):
    """``--standardize all`` on a CSV whose feature column is around 1e300: the z-scores are
    finite and right (the column is not zeroed), end to end through ``nnbench run``."""
    monkeypatch.chdir(tmp_path)
    big = np.array([1.0, 2.0, 3.0, 5.0, 8.0, 13.0]) * scale
    small = np.array([0.5, -1.0, 2.0, 0.0, 1.5, -0.5])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    lines = ["big,small,y"] + [f"{float(b)!r},{float(s)!r},{float(t)!r}" for b, s, t in zip(big, small, y)]
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "big.csv", "--standardize", "all", "--trainers", "BFGS", "--seeds", "1",
                 "--hidden", "2", "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    _, (rec,) = read_results(out)
    assert rec.status == "ok" and rec.best_cost is not None and rec.best_cost < rec.initial_cost

    def z(v):  # the column divided by its largest magnitude first, so no square overflows
        u = v / np.abs(v).max()
        return (u - u.mean()) / u.std()

    from nnbench.core.objective import Objective

    X = np.column_stack([z(big), z(small)])
    assert np.isfinite(X).all() and np.allclose(X.mean(axis=0), 0) and np.allclose(X.std(axis=0), 1)
    expected = Objective.from_arrays(X, z(y), hidden=(2,), loss="sse")
    x0 = expected.x0(np.random.default_rng(0))
    assert rec.initial_cost == pytest.approx(expected.fun(x0), rel=1e-12)


def test_standardize_that_overflows_is_an_error_naming_the_column(tmp_path, monkeypatch, capsys):
    """A test split whose values are 1e300 training standard deviations away cannot be
    z-scored: a one-line error naming the column, never zeros."""
    monkeypatch.chdir(tmp_path)
    n, test_rows = 10, set(np.random.default_rng(0).permutation(10)[:2].tolist())  # Dataset.split's rule
    huge = [1e300 if i in test_rows else (i + 1) * 1e-300 for i in range(n)]
    lines = ["tiny,y"] + [f"{h!r},{i % 2}" for i, h in enumerate(huge)]
    (tmp_path / "tiny.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.jsonl"
    assert main(["run", "--dataset", "tiny.csv", "--standardize", "features", "--test-size", "0.2",
                 "--trainers", "BFGS", "--seeds", "1", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnbench: error: dataset 'tiny': column 'tiny' cannot be standardized: its values (up to "
                          "1e+300 in magnitude) overflow float64 as z-scores with the statistics of 'tiny'")
    assert err.count("\n") == 1 and not out.exists()
