"""Suite files: the documented example reads as it says, a suite file runs end to end, the
command line overrides it, and every error names the key and its line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from nnbench.cli import main
from nnbench.errors import ConfigError
from nnbench.running.trial import DatasetSpec, NetworkSpec
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.running.suitefile import line_of, load_suite_file

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "suite.toml"


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))  # module-scoped: the built-ins, as every test here


def test_the_example_suite_reads_as_documented(registry):
    sf = load_suite_file(EXAMPLE, registry)
    s = sf.suite
    assert s.trainers == ("local-gradient", "least-squares", "Nelder-Mead", "adam")
    assert s.exclude == ("trust-constr", "dogleg")
    assert list(s.seeds) == [0, 1, 2] and "seeds" in sf.fields
    assert s.target == 0.05 and sf.budget == {"max_evals": 1000, "max_seconds": 2.0}
    assert (sf.executor, sf.jobs, sf.scheduler) == ("process", 2, None)
    assert sf.out == EXAMPLE.parent / "results" / "suite-example.jsonl"
    assert s.options == {"adam": {"learning_rate": 0.05}, "least_squares-trf": {"x_scale": "jac"}}
    assert s.pairs() == [
        (DatasetSpec("tutorial"), NetworkSpec((2,), "sigmoid", "identity", False, "sse")),
        (DatasetSpec("diabetes", standardize="all", test_size=0.25), NetworkSpec((3,), "tanh", loss="mse")),
    ]
    names = {t.name for t in registry.select(s.trainers, exclude=s.exclude)}
    assert {"BFGS", "least_squares-lm", "Nelder-Mead", "adam"} <= names and "trust-constr" not in names


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_a_suite_file_runs_end_to_end_with_csv_paths_relative_to_it(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "xor.csv").write_text("x1,label,x2\n0,0,0\n0,1,1\n1,1,0\n1,0,1\n")
    path = _write(tmp_path, """
        trainers = "BFGS"
        seeds = [3, 7]
        out = "results/xor.jsonl"
        [budget]
        max_evals = 200
        [executor]
        kind = "serial"
        [datasets.xor]
        source = "data/xor.csv"
        target = "label"
        [networks.tiny]
        hidden = 3
        activation = "tanh"
    """)
    assert main(["run", str(path), "--quiet"]) == 0
    out = tmp_path / "results" / "xor.jsonl"
    lines = out.read_text().splitlines()
    meta, recs = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert meta["suite_file"] == str(path) and meta["executor"] == "serial"
    assert sorted(r["seed"] for r in recs) == [3, 7] and {r["trainer"] for r in recs} == {"BFGS"}
    assert all(r["n_params"] == 13 and r["budget"]["max_evals"] == 200 for r in recs)  # 3-3-1 with biases
    assert recs[0]["dataset"]["target"] == ["label"] and recs[0]["network"]["activation"] == "tanh"
    assert "xor | h3 tanh sse | 13 weights" in capsys.readouterr().out
    # the file names its results file, so --resume needs nothing more; here it has nothing to do
    text = out.read_text()
    assert main(["run", str(path), "--quiet", "--resume"]) == 0
    assert "2 of 2 trials are done, 0 to run" in capsys.readouterr().err and out.read_text() == text
    assert main(["run", str(path), "--quiet"]) == 2  # and without --resume or --force it is kept
    assert "exists; use --force to overwrite it or --resume" in capsys.readouterr().err and out.read_text() == text


def test_the_command_line_overrides_the_file(tmp_path):
    path = _write(tmp_path, """
        trainers = ["BFGS", "adam"]
        seeds = 4
        [budget]
        max_evals = 300
        time_limit = 9.0
        [executor]
        kind = "serial"
        [datasets.tutorial]
        [networks.tutorial]
        hidden = [2]
        bias = false
    """)
    out = tmp_path / "r.jsonl"
    assert main(["run", str(path), "--trainers", "adam", "--seeds", "2", "--max-evals", "40", "--quiet",
                 "--out", str(out), "--option", "adam.learning_rate=0.5"]) == 0
    recs = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert [(r["trainer"], r["seed"]) for r in recs] == [("adam", 0), ("adam", 1)]
    assert all(r["evaluations"] == 40 and r["budget"] == {"max_evals": 40, "max_seconds": 9.0} for r in recs)
    assert recs[0]["options"] == {"learning_rate": 0.5} and recs[0]["network_label"] == "h2 sigmoid nobias sse"
    # problem options replace the file's problems
    out2 = tmp_path / "r2.jsonl"
    assert main(["run", str(path), "--dataset", "xor", "--hidden", "3", "--seeds", "1", "--quiet",
                 "--out", str(out2)]) == 0
    recs = [json.loads(line) for line in out2.read_text().splitlines()[1:]]
    assert {r["dataset_label"] for r in recs} == {"xor"} and {r["network_label"] for r in recs} == {"h3 sigmoid sse"}


def test_line_of_finds_keys_tables_and_array_items():
    text = textwrap.dedent("""
        seeds = 3          # line 2
        [budget]
        max_evals = 10     # line 4

        [datasets.mine]
        source = "a.csv"   # line 7
        [[problems]]
        dataset = "x"      # line 9
        [[problems]]
        dataset = "y"      # line 11
        network = "n"
        [options."least_squares-trf"]
        x_scale = "jac"    # line 14
    """)
    assert line_of(text, ("seeds",)) == 2
    assert line_of(text, ("budget", "max_evals")) == 4
    assert line_of(text, ("budget", "time_limit")) == 3  # not set: its table's line
    assert line_of(text, ("datasets", "mine", "source")) == 7
    assert line_of(text, ("problems", 0, "dataset")) == 9
    assert line_of(text, ("problems", 1, "dataset")) == 11
    assert line_of(text, ("problems", 1)) == 10
    assert line_of(text, ("options", "least_squares-trf", "x_scale")) == 14
    assert line_of(text, ("nothing",)) is None


FAMILIES = ("families: local-gradient, local-derivative-free, global, least-squares, first-order; "
            "`nnbench list trainers` lists the trainers")
#: The registered dataset names, as a suite file's error lists them.
_REGISTERED = ("tutorial, xor, diabetes, iris, wine, breast_cancer, digits, two_spirals, parity:N, encoder:N, "
               "friedman1:N")

BAD = [
    ("seeds = 3\n[budget\nmax_evals = 3\n", "invalid TOML: Expected ']' at the end of a table declaration "
                                           "(at line 2, column 8)"),
    ("seed = 3\n", "line 1: seed: unknown key (did you mean seeds, sweep or tune_seeds?); allowed: trainers, exclude, "
                   "seeds, target_cost, blas_threads, plugins, out, budget, executor, options, sweep, tune, tune_seeds, "
                   "datasets, networks, problems"),
    ("seeds = 0\n", "line 1: seeds: must be an integer in [1, 1000000], got 0"),
    ("seeds = [1, \"two\"]\n", "line 1: seeds[1]: must be a non-negative integer, got 'two'"),
    ("seeds = [1, 1]\n", "line 1: seeds: repeats a seed: [1, 1]"),
    ("target_cost = \"low\"\n", "line 1: target_cost: must be a non-negative number, got 'low'"),
    ("trainers = \"BGFS\"\n", "line 1: trainers: unknown trainer or family 'BGFS' (did you mean BFGS or L-BFGS-B?); "
                               + FAMILIES),
    ("trainers = [\"BFGS\",\n  \"Nelder-Maed\"]\n", "line 1: trainers[1]: unknown trainer or family 'Nelder-Maed' "
                                                   "(did you mean Nelder-Mead?); " + FAMILIES),
    ("# budget\n\n[budget]\nmax_evals = -5\n", "line 4: budget.max_evals: must be a positive integer, got -5"),
    ("[budget]\nmax_evals = 10\ntime_limit = 0\n",
     "line 3: budget.time_limit: must be a positive number of at most 1e+06, got 0"),
    ("[budget]\nmax_eval = 10\n", "line 2: budget.max_eval: unknown key (did you mean max_evals?); "
                                  "allowed: max_evals, time_limit"),
    ("[executor]\nkind = \"proces\"\n", "line 2: executor.kind: must be one of 'serial', 'process', 'dask', "
                                      "got 'proces' (did you mean process?)"),
    ("[executor]\njobs = 0\n", "line 2: executor.jobs: must be a positive integer, got 0"),
    ("[executor]\nkind = \"process\"\nscheduler = \"tcp://h:1\"\n",
     "line 3: executor.scheduler: only the dask executor takes a scheduler, not 'process'"),
    ("[datasets.d]\nsource = \"x.csv\"\nstandardize = \"yes\"\n",
     "line 3: datasets.d.standardize: must be one of 'none', 'features', 'all', got 'yes'"),
    ("[datasets.diabets]\n", "line 1: datasets.diabets = diabets: unknown dataset (did you mean diabetes or "
                            f"digits?); registered: {_REGISTERED}; a CSV file is a path (data.csv, ./data)"),
    ("[datasets.d]\nsource = \"xr\"\n", "line 2: datasets.d.source = xr: unknown dataset (did you mean xor?); "
                                      f"registered: {_REGISTERED}; a CSV file is a path (data.csv, ./data)"),
    ("[datasets.p]\nsource = \"parity:20\"\n", "line 2: datasets.p.source = parity:20: parity:N takes "
                                             "2 <= N <= 16, got 20"),
    ("[datasets.tutorial]\ntest_size = 1.5\n", "line 2: datasets.tutorial.test_size: must be a number in (0, 1), "
                                             "got 1.5"),
    ("[datasets.xor]\ntarget_column = \"y\"\n", "line 2: datasets.xor.target_column: unknown key (did you mean "
                                              "target?); allowed: source, target, standardize, test_size, "
                                              "split_seed, delimiter"),
    ("[networks.n]\nhidden = [4, 0]\n", "line 2: networks.n.hidden: layer sizes must be positive integers (0 "
                                      "alone: no hidden layer), got [4, 0]"),
    ("[networks.n]\nactivation = \"sigmod\"\n", "line 2: networks.n.activation: unknown activation 'sigmod' (did you "
                                              "mean sigmoid?); choose from sigmoid, tanh, relu, identity, softmax"),
    ("[networks.n]\nloss = \"mae\"\n", "line 2: networks.n.loss: unknown loss 'mae' (did you mean mse?); choose "
                                     "from sse, mse, half_mse, bce, cross_entropy"),
    ("[networks.n]\nbias = \"no\"\n", "line 2: networks.n.bias: must be true or false, got 'no'"),
    ("[datasets.tutorial]\n[networks.n]\n[[problems]]\ndataset = \"tutorial\"\nnetwork = \"m\"\n",
     "line 5: problems[0].network: no network named 'm'; defined: n"),
    ("[datasets.tutorial]\n[networks.n]\n[[problems]]\ndataset = \"tutorial\"\n",
     "line 3: problems[0]: needs a network (one of: n)"),
    ("options = 3\n", "line 1: options: must be a table, got 3"),
    ("[options.BFGS]\ngtoll = 1\n", "line 2: options.BFGS.gtoll: BFGS has no option 'gtoll' (did you mean gtol or "
                                    "xrtol?)"),
    ("[options.adam]\nlearning_rate = -1\n", "line 2: options.adam.learning_rate: must be a positive number, got -1"),
    ("[options.adamm]\nlearning_rate = 1\n", "line 2: options.adamm.learning_rate: unknown trainer 'adamm' (did "
                                             "you mean adam?); `nnbench list trainers` lists all {n}"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[b[1].split(":")[1].strip() for b in BAD])
def test_errors_name_the_key_and_its_line(tmp_path, registry, text, expected, n_builtin_trainers):
    expected = expected.replace("{n}", str(n_builtin_trainers))
    path = tmp_path / "suite.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_suite_file(path, registry)
    message = str(info.value)
    assert message == (expected if expected.startswith("invalid") else f"{path}, {expected}").replace(
        "invalid", f"{path}: invalid"), message


def test_missing_and_binary_suite_files(tmp_path):
    with pytest.raises(ConfigError, match="no such suite file"):
        load_suite_file(tmp_path / "none.toml")
    (tmp_path / "b.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not a suite file \\(not UTF-8 text"):
        load_suite_file(tmp_path / "b.toml")


def test_suite_file_errors_at_the_command_line(tmp_path, capsys):
    path = _write(tmp_path, """
        seeds = 2
        [networks.n]
        hidden = "four"
    """)
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == f"nnbench: error: {path}, line 3: networks.n.hidden: must be a sequence of layer sizes, got 'four'\n"


def test_a_sized_generated_dataset_reads_as_on_the_command_line(tmp_path, registry):
    path = tmp_path / "suite.toml"
    path.write_text('[datasets.p]\nsource = "parity:3"\n[datasets.s]\nsource = "two_spirals"\n')
    sf = load_suite_file(path, registry)
    assert [d.source for d, _ in sf.suite.pairs()] == ["parity:3", "two_spirals"]
    data = registry.catalog().prepare(sf.suite.pairs()[0][0])[0]
    assert data.X.shape == (8, 3)


def test_a_csv_that_is_not_there_is_named_with_its_line(tmp_path, registry):
    path = tmp_path / "suite.toml"
    path.write_text('seeds = 2\n[datasets.mine]\nsource = "data/mine.csv"\n')
    with pytest.raises(ConfigError) as info:
        load_suite_file(path, registry)
    assert str(info.value) == f"{path}, line 3: datasets.mine.source: {tmp_path / 'data' / 'mine.csv'}: no such file"
    (tmp_path / "data" / "mine.csv").mkdir(parents=True)
    with pytest.raises(ConfigError) as info:
        load_suite_file(path, registry)
    assert str(info.value).endswith("mine.csv: not a file")
