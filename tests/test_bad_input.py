"""Bad input at the command line: each a one-line error naming what is wrong, exit status 2,
no traceback, and nothing written or written over."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nnbench.cli import main

CSV = {
    "empty.csv": "",
    "header.csv": "a,b,y\n",
    "nonnumeric.csv": "a,b,y\n1,2,3\n1,x,3\n",
    "emptycell.csv": "a,b,y\n1,2,3\n1,,3\n",
    "ragged.csv": "a,b,y\n1,2,3\n1,2\n",
    "good.csv": "a,b,y\n1,2,3\n4,5,6\n7,8,9\n",
}

RUN_CASES = [
    (["--dataset", "missing.csv"], "nnbench: error: missing.csv: no such file"),
    (["--dataset", "empty.csv"], "nnbench: error: empty.csv: empty file, expected a header line"),
    (["--dataset", "header.csv"], "nnbench: error: header.csv: only a header, no data rows"),
    (["--dataset", "nonnumeric.csv"], "nnbench: error: nonnumeric.csv, line 3, column 2 ('b'): not a number: 'x'"),
    (["--dataset", "emptycell.csv"], "nnbench: error: emptycell.csv, line 3, column 2 ('b'): empty cell"),
    (["--dataset", "ragged.csv"], "nnbench: error: ragged.csv, line 3: 2 cells, the header has 3 columns"),
    (["--dataset", "good.csv", "--target-column", "z"],
     "nnbench: error: good.csv: no column named 'z' for the target; the columns are 'a', 'b', 'y'"),
    (["--dataset", "good.csv", "--target-column", "bb"],
     "nnbench: error: good.csv: no column named 'bb' for the target (did you mean b?); the columns are 'a', 'b', 'y'"),
    (["--trainers", "BGFS"], "nnbench: error: --trainers: unknown trainer or family 'BGFS' (did you mean BFGS or "
                             "L-BFGS-B?); families: local-gradient, local-derivative-free, global, least-squares, "
                             "first-order; `nnbench list trainers` lists the trainers"),
    (["--exclude", "nelder"], "nnbench: error: --exclude: unknown trainer or family 'nelder' (did you mean "
                              "Nelder-Mead?); families:"),
    (["--dataset", "diabets"], "nnbench: error: --dataset diabets: unknown dataset (did you mean diabetes or digits?); "
                               "registered: tutorial, xor, diabetes, iris, wine, breast_cancer, digits, two_spirals, "
                               "parity:N, encoder:N, friedman1:N; a CSV file is a path (data.csv, ./data)"),
    (["--format", "htm"], "nnbench: error: unknown format 'htm' (did you mean html?)"),
    (["--hidden", "4,0"], "nnbench: error: --hidden: layer sizes must be positive integers (0 alone: no hidden "
                          "layer), got (4, 0)"),
    (["--hidden", "4,x"], "nnbench: error: --hidden: takes layer sizes separated by commas (e.g. 4 or 4,3), got '4,x'"),
    (["--activation", "sigmod"], "nnbench: error: --activation: unknown activation 'sigmod' (did you mean sigmoid?); "
                                 "choose from sigmoid, tanh, relu, identity"),
    (["--test-size", "1.5"], "nnbench: error: --test-size: must be a number in (0, 1), got 1.5"),
    (["--seeds", "0"], "nnbench: error: --seeds: must be an integer in [1, 1000000], got 0"),
    (["--seeds", "two"], "nnbench: error: --seeds: must be a positive integer (that many seeds, from 0) or a list of "
                         "seeds, got 'two'"),
    (["--max-evals", "-5"], "nnbench: error: --max-evals: must be a positive integer, got -5"),
    (["--max-evals", "1.5"], "nnbench: error: --max-evals: must be a positive integer, got 1.5"),
    (["--time-limit", "0"], "nnbench: error: --time-limit: must be a positive number of at most 1e+06, got 0"),
    (["--time-limit", "inf"], "nnbench: error: --time-limit: must be a positive number of at most 1e+06, got inf"),
    (["--time-limit", "soon"], "nnbench: error: --time-limit: must be a positive number of at most 1e+06, got 'soon'"),
    (["--target-cost", "x"], "nnbench: error: --target-cost: must be a non-negative number, got 'x'"),
    (["--jobs", "0"], "nnbench: error: --jobs: must be a positive integer, got 0"),
    (["--executor", "threads"], "argument --executor: invalid choice: 'threads'"),
    (["--executor", "process", "--scheduler", "tcp://127.0.0.1:8786"],
     "nnbench: error: --scheduler is for --executor dask, not --executor process"),
    (["--executor", "serial", "--jobs", "2"], "nnbench: error: --jobs 2 needs --executor process or dask, not serial"),
    (["--option", "adam.learning_rate"], "nnbench: error: --option 'adam.learning_rate': expected TRAINER.KEY=VALUE"),
    (["--option", "BFGS.gtol=1e-3"],
     "nnbench: error: --option BFGS.gtol: BFGS is not among the selected trainers (--trainers, --exclude)"),
    (["-p", "no_such_plugin_module"], "nnbench: error: plugin given with -p 'no_such_plugin_module' failed to import"),
    (["missing-suite.toml"], "nnbench: error: missing-suite.toml: no such suite file"),
]


def _status(argv: list[str]) -> int:
    """The exit status of ``nnbench ARGV``: argparse's errors exit through SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def _one_line_error(capsys, expected: str) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err
    assert captured.out == ""
    return err


@pytest.mark.parametrize(("extra", "expected"), RUN_CASES, ids=[" ".join(c[0]) for c in RUN_CASES])
def test_bad_run_input_is_a_one_line_error(tmp_path, monkeypatch, capsys, extra, expected):
    monkeypatch.chdir(tmp_path)
    for name, text in CSV.items():
        (tmp_path / name).write_text(text)
    argv = ["run", "--trainers", "adam", "--seeds", "1", "--quiet", "--out", "r.jsonl", *extra]
    assert _status(argv) == 2
    _one_line_error(capsys, expected)
    assert not (tmp_path / "r.jsonl").exists()  # nothing written


def test_existing_output_is_never_written_over(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    out.write_text("precious\n")
    base = ["run", "--trainers", "adam", "--seeds", "1", "--quiet", "--out", str(out)]
    assert main(base) == 2
    _one_line_error(capsys, f"nnbench: error: {out} exists; use --force to overwrite it or --resume to complete it")
    assert main([*base, "--resume", "--force"]) == 2
    _one_line_error(capsys, "nnbench: error: --resume keeps the results file and --force overwrites it: give one")
    assert main([*base, "--resume"]) == 2  # not a results file: nothing appended to it
    _one_line_error(capsys, f"nnbench: error: {out}, line 1: not an nnbench results file (not a JSON line: Expecting value)")
    assert out.read_text() == "precious\n"


def test_resume_needs_a_results_file(capsys):
    assert main(["run", "--trainers", "adam", "--seeds", "1", "--quiet", "--resume"]) == 2
    _one_line_error(capsys, "nnbench: error: --resume needs the results file to complete: give --out FILE.jsonl")


REPORT_CASES = [
    ("nope.jsonl", None, "nnbench: error: {path}: no such results file"),
    ("binary.jsonl", b"\x80\x81\xff\n", "nnbench: error: {path}: not a results file (not UTF-8 text: invalid start byte)"),
    ("empty.jsonl", b"", "nnbench: error: {path}: empty results file"),
    ("data.csv", b"a,b\n1,2\n",
     "nnbench: error: {path}, line 1: not an nnbench results file (not a JSON line: Expecting value)"),
    ("other.jsonl", b'{"name": "x"}\n', "nnbench: error: {path}, line 1: not an nnbench results file (no metadata line)"),
    ("corrupt.jsonl", b'{"kind":"metadata"}\n{"kind":"trial"\n{"kind":"trial"}\n',
     "nnbench: error: {path}, line 2: corrupt record (Expecting ',' delimiter)"),
    ("folder", "dir", "nnbench: error: {path}: is a directory, not a results file"),
]


@pytest.mark.parametrize(("name", "content", "expected"), REPORT_CASES, ids=[c[0] for c in REPORT_CASES])
def test_unreadable_or_corrupt_results_file_given_to_report(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    assert main(["report", str(path)]) == 2
    _one_line_error(capsys, expected.format(path=path))


@pytest.mark.slow
def test_end_to_end_exit_status_and_no_traceback(tmp_path):
    (tmp_path / "ragged.csv").write_text(CSV["ragged.csv"])
    for argv, expected in ((["run", "--dataset", "ragged.csv", "--out", "r.jsonl"],
                            "nnbench: error: ragged.csv, line 3: 2 cells, the header has 3 columns\n"),
                           (["run", "--hidden", "-1"], "nnbench: error: --hidden: layer sizes must be positive "
                                                       "integers (0 alone: no hidden layer), got (-1,)\n"),
                           (["report", "missing.jsonl"], "nnbench: error: missing.jsonl: no such results file\n")):
        proc = subprocess.run([sys.executable, "-m", "nnbench.cli", *argv], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 2 and proc.stdout == ""
        assert expected in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ragged.csv"]


OUTPUT_CASES = [
    (["run", "--out", "."], "nnbench: error: --out .: is a directory; give a file name"),
    (["run", "--out", "sub/"], "nnbench: error: --out sub/: names a directory; give a file name"),
    (["run", "--out", ""], "nnbench: error: --out: an empty path; give a file name"),
    (["report", "r.jsonl", "--html", ""], "nnbench: error: --html: an empty path; give a file name"),
    (["run", "--out", "folder"], "nnbench: error: --out folder: is a directory; give a file name"),
    (["run", "--out", "afile/r.jsonl"], "nnbench: error: --out afile/r.jsonl: afile is not a directory"),
    (["report", "r.jsonl", "--html", "."], "nnbench: error: --html .: is a directory; give a file name"),
    (["report", "r.jsonl", "-o", "folder"], "nnbench: error: -o folder: is a directory; give a file name"),
    (["report", "r.jsonl", "--html", "afile/x.html"], "nnbench: error: --html afile/x.html: afile is not a directory"),
    (["report", "r.jsonl", "--markdown", "afile"], "nnbench: error: --markdown afile: exists and is not a directory"),
    (["compare", "r.jsonl", "r.jsonl", "--html", "/"], "nnbench: error: --html /: is a directory; give a file name"),
]


@pytest.mark.parametrize(("argv", "expected"), OUTPUT_CASES, ids=[" ".join(c[0]) for c in OUTPUT_CASES])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, monkeypatch, capsys, argv, expected):
    """``--out``, ``-o``, ``--html`` and ``--markdown`` naming a directory (or under a file)
    are refused with one line before anything runs or prints, and nothing is written."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--problem", "tutorial", "--trainers", "BFGS", "--seeds", "1", "--quiet", "--executor",
                 "serial", "--out", "r.jsonl"]) == 0
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("a file\n")
    capsys.readouterr()
    before = sorted(p.name for p in tmp_path.iterdir())
    if argv[0] == "run":
        argv = [*argv, "--problem", "tutorial", "--trainers", "BFGS", "--seeds", "1", "--quiet", "--executor", "serial"]
    assert main(argv) == 2
    _one_line_error(capsys, expected)  # and nothing on stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == before and not any((tmp_path / "folder").iterdir())


PLACEMENT_CASES = [
    (["-p", "nnbench_scipy", "list", "trainers"],
     "nnbench: error: -p is an option of nnbench run, nnbench list: it goes after the command (nnbench run -p ...) "
     "(see nnbench --help)"),
    (["--seeds=3", "run"], "nnbench: error: --seeds is an option of nnbench run: it goes after the command "
                           "(nnbench run --seeds ...) (see nnbench --help)"),
    (["--bogus", "run"], "nnbench: error: unrecognized arguments: --bogus (see nnbench --help)"),
]


@pytest.mark.parametrize(("argv", "expected"), PLACEMENT_CASES, ids=[" ".join(c[0]) for c in PLACEMENT_CASES])
def test_a_commands_option_before_the_command_says_where_it_goes(capsys, argv, expected):
    """pytest takes ``-p`` anywhere; here it belongs to a command, and argparse alone read the
    module's name as the command (``invalid choice: 'nnbench_scipy'``)."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    _one_line_error(capsys, expected)


def test_the_top_level_options_and_their_abbreviations_still_work(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--versio"])  # argparse's abbreviation of --version
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("nnbench ")
