"""Reproducing a run: the metadata records the plugins, the libraries, the command line and the
suite file's content, and ``nnbench run --rerun RESULTS.jsonl`` runs it again from them."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
import textwrap
from pathlib import Path

import pytest
import scipy

from nnbench.cli import main
from nnbench.contract.plugins import BUILTIN_PLUGINS
from nnbench.results import store
from nnbench.results.record import RunMetadata
from nnbench.results.store import read_results

from _plugins import plugin_module

#: The small run of these tests: the tutorial problem, two trainers, two seeds, in this process.
SMALL = ["--dataset", "tutorial", "--hidden", "2", "--no-bias", "--trainers", "BFGS,adam", "--seeds", "2",
         "--executor", "serial", "--quiet"]

#: A trainer of a plugin module given with -p.
GHOST = textwrap.dedent('''
    from nnbench.hookspecs import hookimpl
    from nnbench.trainer import Trainer, TrainResult

    __version__ = "3.1"

    def halve(objective, x0, budget, rng):
        return TrainResult(x=x0 * 0.5, fun=objective.fun(x0 * 0.5), success=True)

    @hookimpl
    def nnbench_trainers():
        return [Trainer(name="halve", family="first-order", train=halve, summary="halves the start")]
''')


def _outcomes(path: Path) -> dict[tuple[str, int, str], tuple[float | None, int]]:
    """``{(trainer, seed, dataset label): (best cost, evaluations)}`` of a results file."""
    records = read_results(path)[1]
    outcomes = {(r.trainer, r.seed, r.dataset_label): (r.best_cost, r.evaluations) for r in records}
    assert len(outcomes) == len(records)
    return outcomes


def _errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("nnbench: error:")]


def _warnings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("nnbench: warning:")]


def _edit_metadata(path: Path, edit) -> None:
    """Rewrite the metadata line of a results file through ``edit(dict)``."""
    lines = path.read_text().splitlines(keepends=True)
    meta = json.loads(lines[0])
    edit(meta)
    lines[0] = json.dumps(meta) + "\n"
    path.write_text("".join(lines))


@pytest.fixture
def small_run(tmp_path, monkeypatch, capsys):
    """The small run, written to tmp_path/a.jsonl with tmp_path as the working folder."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "a.jsonl"
    assert main(["run", *SMALL, "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def test_metadata_records_plugins_libraries_and_the_command_line(small_run):
    meta, records = read_results(small_run)
    nnbench_version = importlib.metadata.version("nnbench")
    assert meta.plugins == [{"name": name, "distribution": "nnbench", "version": nnbench_version}
                            for name in BUILTIN_PLUGINS]
    # BFGS comes from scipy; adam is nnbench's own (first-order plugin), so it adds no library
    assert meta.libraries == {"scipy": scipy.__version__}
    assert meta.argv == ["run", *SMALL, "--out", str(small_run)]
    assert meta.command == "nnbench " + " ".join(meta.argv)
    assert meta.suite_text is None and meta.rerun_of is None
    assert len(records) == 4


def test_metadata_records_a_p_module_and_its_version(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with plugin_module(tmp_path, "nnbench_test_ghost", GHOST) as name:
        assert main(["run", *SMALL[:5], "--trainers", "halve", "--seeds", "1", "--executor", "serial", "-q",
                     "-p", name, "--out", "g.jsonl"]) == 0
    meta, _ = read_results(tmp_path / "g.jsonl")
    # a module of the working folder: no distribution installed it; its own __version__
    assert meta.plugins[-1] == {"name": "nnbench_test_ghost", "distribution": None, "version": "3.1"}
    assert meta.libraries == {}


def test_old_metadata_reads_with_the_new_fields_empty():
    old = {"kind": "metadata", "schema": 3, "nnbench": "0.1.0", "command": "nnbench run"}
    meta = RunMetadata.from_json(old)
    assert (meta.argv, meta.plugins, meta.libraries, meta.suite_text, meta.rerun_of) == (None, [], {}, None, None)
    full = RunMetadata(argv=["run", "--seeds", "2"], plugins=[{"name": "p", "distribution": None, "version": "1"}],
                       libraries={"scipy": "1.17.1", "odd": None}, suite_text="seeds = 2\n", rerun_of="a.jsonl")
    again = RunMetadata.from_json(json.loads(json.dumps(full.to_json())))
    assert (again.argv, again.plugins, again.libraries, again.suite_text, again.rerun_of) == (
        full.argv, full.plugins, full.libraries, full.suite_text, full.rerun_of)


def test_rerun_gives_the_same_best_costs_and_evaluations(small_run, tmp_path, capsys):
    assert main(["run", "--rerun", str(small_run), "--out", "b.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == []
    before, after = _outcomes(small_run), _outcomes(tmp_path / "b.jsonl")
    assert set(before) == {(t, s, "tutorial") for t in ("BFGS", "adam") for s in (0, 1)}
    assert after == before
    # the tutorial's numbers: BFGS solves it (minimum 0), adam uses its 1000 evaluations without getting there
    assert all(cost < 1e-6 for (trainer, *_), (cost, _) in before.items() if trainer == "BFGS")
    assert all(evals == 1000 and cost > 0.1 for (trainer, *_), (cost, evals) in before.items() if trainer == "adam")
    meta, _ = read_results(tmp_path / "b.jsonl")
    original, _ = read_results(small_run)
    assert meta.argv == original.argv and meta.rerun_of == str(small_run)
    assert meta.command == f"nnbench run --rerun {small_run} --out b.jsonl"
    assert original.executor == meta.executor == "serial"  # the recorded --executor stays


def test_rerun_without_out_writes_a_new_file_like_a_run(small_run, tmp_path, capsys):
    assert main(["run", "--rerun", str(small_run)]) == 0
    made = list((tmp_path / store.DEFAULT_DIRECTORY).glob("*.jsonl"))
    assert len(made) == 1 and _outcomes(made[0]) == _outcomes(small_run)
    assert len(read_results(small_run)[1]) == 4  # the recorded --out is never written again


def test_a_changed_version_warns_once_per_plugin_and_library(small_run, tmp_path, capsys, monkeypatch):
    _edit_metadata(small_run, lambda m: m["plugins"][1].update(version="0.0.9"))  # nnbench_scipy
    real = store.installed_version
    monkeypatch.setattr(store, "installed_version", lambda d: "0.0.1" if d == "scipy" else real(d))
    assert main(["run", "--rerun", str(small_run), "--out", "b.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == [
        f"nnbench: warning: plugin nnbench_scipy: recorded nnbench 0.0.9, now nnbench {importlib.metadata.version('nnbench')}",
        f"nnbench: warning: library scipy: recorded {scipy.__version__}, now 0.0.1"]
    assert _outcomes(tmp_path / "b.jsonl") == _outcomes(small_run)
    assert read_results(tmp_path / "b.jsonl")[0].libraries == {"scipy": "0.0.1"}  # what this run had


def test_a_missing_plugin_refuses_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with plugin_module(tmp_path, "nnbench_test_ghost", GHOST) as name:
        assert main(["run", *SMALL[:5], "--trainers", "halve,BFGS", "--seeds", "1", "--executor", "serial", "-q",
                     "-p", name, "--out", "g.jsonl"]) == 0
    (tmp_path / "nnbench_test_ghost.py").unlink()
    monkeypatch.delitem(sys.modules, "nnbench_test_ghost")
    importlib.invalidate_caches()
    capsys.readouterr()
    assert main(["run", "--rerun", "g.jsonl", "--out", "h.jsonl"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and _errors(err)
    assert "--rerun g.jsonl" in err and "'nnbench_test_ghost'" in err
    assert not (tmp_path / "h.jsonl").exists()


def test_a_recorded_plugin_that_is_not_registered_refuses(small_run, tmp_path, capsys):
    _edit_metadata(small_run, lambda m: m["plugins"].append({"name": "ghost", "distribution": "ghost-dist",
                                                             "version": "2.0"}))
    assert main(["run", "--rerun", str(small_run), "--out", "b.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"nnbench: error: --rerun {small_run}: the recorded run had plugin ghost "
                                "(ghost-dist 2.0), missing now (not installed, blocked, or entry points disabled); "
                                "install it to rerun the file"]
    assert not (tmp_path / "b.jsonl").exists()


def test_a_missing_library_refuses(small_run, tmp_path, capsys, monkeypatch):
    real = store.installed_version
    monkeypatch.setattr(store, "installed_version", lambda d: None if d == "scipy" else real(d))
    assert main(["run", "--rerun", str(small_run), "--out", "b.jsonl"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"library scipy ({scipy.__version__})" in err


SUITE = textwrap.dedent('''
    trainers = ["BFGS", "gradient-descent"]
    seeds = [3, 4]
    out = "from-suite.jsonl"

    [budget]
    max_evals = 300

    [datasets.tutorial]

    [networks.tutorial]
    hidden = [2]
    bias = false
''')


def test_a_suite_file_run_reruns_from_the_recorded_content(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE)
    assert main(["run", str(suite), "--executor", "serial", "-q"]) == 0
    first = tmp_path / "from-suite.jsonl"
    meta, records = read_results(first)
    assert meta.suite_text == SUITE and meta.suite_file == str(suite)
    assert {(r.trainer, r.seed) for r in records} == {(t, s) for t in ("BFGS", "gradient-descent") for s in (3, 4)}
    assert all(r.evaluations == 300 for r in records if r.trainer == "gradient-descent")
    suite.unlink()
    capsys.readouterr()
    assert main(["run", "--rerun", str(first), "--out", "again.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == []
    assert _outcomes(tmp_path / "again.jsonl") == _outcomes(first)
    again, _ = read_results(tmp_path / "again.jsonl")
    assert again.suite_text == SUITE and again.suite_file == str(suite)
    assert len(read_results(first)[1]) == 4  # the suite file's `out` is not the rerun's


def test_rerun_with_options_that_describe_a_run_names_them(small_run, capsys):
    assert main(["run", "--rerun", str(small_run), "--seeds", "3", "--dataset", "xor", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "drop --dataset, --seeds (only --out, --force, --resume, --executor, --jobs" in err


def test_rerun_of_a_file_from_the_api_or_without_metadata_is_one_line(tmp_path, monkeypatch, capsys):
    import nnbench

    monkeypatch.chdir(tmp_path)
    from nnbench.plugins import Registry, get_plugin_manager

    nnbench.run(nnbench.Suite(trainers="BFGS", seeds=1), out="api.jsonl", registry=Registry(get_plugin_manager()))
    meta, _ = read_results("api.jsonl")
    assert meta.argv is None and meta.libraries == {"scipy": scipy.__version__}
    assert [p["name"] for p in meta.plugins] == list(BUILTIN_PLUGINS)
    assert main(["run", "--rerun", "api.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == ["nnbench: error: --rerun api.jsonl: the file was written by nnbench.run(), which "
                                "records no command line; only a run of `nnbench run` can be rerun"]
    Path("bare.jsonl").write_text('{"trainer": "BFGS"}\n')
    assert main(["run", "--rerun", "bare.jsonl"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "no metadata line" in err


def test_a_rerun_on_changed_data_warns(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data.csv"
    data.write_text("x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n")  # the tutorial's rows
    assert main(["run", "--dataset", "data.csv", *SMALL[2:], "--out", "a.jsonl"]) == 0
    assert main(["run", "--rerun", "a.jsonl", "--out", "b.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == []
    assert _outcomes(tmp_path / "b.jsonl") == _outcomes(tmp_path / "a.jsonl")
    data.write_text("x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,0\n")  # one target changed
    assert main(["run", "--rerun", "a.jsonl", "--out", "c.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == [
        "nnbench: warning: the data of data | h2 sigmoid nobias sse is not what the recorded run trained on (its "
        "file changed since)"]


def test_a_plugin_registered_since_is_left_out(small_run, tmp_path, capsys):
    # the recorded run made BFGS-only and without nnbench_firstorder, as if that plugin had been installed since
    def bfgs_only(argv):
        i = argv.index("--trainers")
        return [*argv[:i + 1], "BFGS", *argv[i + 2:]]

    _edit_metadata(small_run, lambda m: (m["plugins"].pop(2), m.update(argv=bfgs_only(m["argv"]))))
    assert main(["run", "--rerun", str(small_run), "--out", "b.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == [
        f"nnbench: warning: plugin nnbench_firstorder (nnbench {importlib.metadata.version('nnbench')}) is registered "
        "now but was not in the recorded run; it is left out (-p no:nnbench_firstorder)"]
    meta, records = read_results(tmp_path / "b.jsonl")
    assert meta.plugin_names == ["nnbench.contract.builtin", "nnbench_scipy"]
    assert {(r.trainer, r.seed, r.dataset_label): (r.best_cost, r.evaluations) for r in records} == {
        k: v for k, v in _outcomes(small_run).items() if k[0] == "BFGS"}


def test_a_named_suite_of_another_version_warns(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--suite", "classic", "--trainers", "BFGS", "--seeds", "1", "--max-evals", "50",
                 "--executor", "serial", "-q", "--out", "a.jsonl"]) == 0
    meta, records = read_results(tmp_path / "a.jsonl")
    assert (meta.suite, len(records)) == ("classic", 4)
    _edit_metadata(tmp_path / "a.jsonl", lambda m: m.update(suite_version="0"))
    capsys.readouterr()
    assert main(["run", "--rerun", "a.jsonl", "--out", "b.jsonl"]) == 0
    assert _warnings(capsys.readouterr().err) == [
        f"nnbench: warning: suite classic: recorded version 0, now {meta.suite_version}"]
    assert _outcomes(tmp_path / "b.jsonl") == _outcomes(tmp_path / "a.jsonl")
