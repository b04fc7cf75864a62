"""``nnbench compare``: two runs of the same trials, paired, with a verdict by one fixed rule."""

from __future__ import annotations

import json
import math
import re

import pytest

from nnbench.cli import main
from nnbench.reporting import compare as C
from nnbench.reporting import measures as M
from nnbench.reporting.ranking import solved_level
from nnbench.results.store import read_results
from _records import tutorial_run


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A real run: the tutorial problem, three trainers, 10 seeds."""
    return tutorial_run(tmp_path_factory.mktemp("cmp") / "base.jsonl", seeds=10)


def _edit(src, dst, trial=lambda t: t, meta=lambda m: m):
    """Write ``dst``: ``src`` with its metadata line and each trial line passed through the functions
    (a trial function returning None drops the line)."""
    lines = src.read_text().splitlines()
    out = [json.dumps(meta(json.loads(lines[0])))]
    for line in lines[1:]:
        t = trial(json.loads(line))
        if t is not None:
            out.append(json.dumps(t))
    dst.write_text("\n".join(out) + "\n")
    return dst


def _scaled(trainer, factor):
    """A trial edit: ``trainer``'s costs (best, final, history) times ``factor``."""
    def edit(t):
        if t["trainer"] == trainer:
            t["best_cost"] *= factor
            t["final_cost"] *= factor
            t["history"] = [[h[0], h[1], h[2] * factor, h[3]] for h in t["history"]]
        return t
    return edit


def test_a_file_compared_with_itself_is_the_same_everywhere(results, capsys):
    assert main(["compare", str(results), str(results), "--fail"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"nnbench compare: BASE {results} -> NEW {results}\n\nEnvironment (BASE -> NEW):\n"
                          "  no difference in versions, platform, CPU, BLAS, executor, budget or target\n"
                          "  machine: the same machine (")
    assert "seconds are compared" in out
    assert "Trials: 30 paired, 0 only in BASE, 0 only in NEW (listed, not compared)" in out
    assert "Verdicts: 0 worse, 0 better, 3 same." in out
    c = C.compare(read_results(results), read_results(results))
    assert [r.verdict for r in c.rows] == ["same"] * 3 and c.paired == 30 and not c.worse
    assert all(r.cost_ratio == 1 and r.evals_ratio == 1 and r.seconds_ratio == 1 and r.pairs == 10 for r in c.rows)


def test_ten_times_worse_costs_on_every_seed_are_worse_and_fail(results, tmp_path, capsys):
    meta, recs = read_results(results)
    level = solved_level(recs)
    adam = [r.best_cost for r in recs if r.trainer == "adam"]
    assert len(adam) == 10 and min(adam) > level  # above the solved level: the costs really differ
    worse = _edit(results, tmp_path / "worse.jsonl", _scaled("adam", 10.0))
    assert main(["compare", str(results), str(worse), "--fail"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("adam "))
    assert "(x10)" in row and row.split()[-1] == "worse"
    assert "Verdicts: 1 worse (adam on tutorial | h2 sigmoid nobias sse), 0 better, 2 same." in out
    assert main(["compare", str(results), str(worse)]) == 0  # without --fail a verdict is no failure
    capsys.readouterr()
    c = C.compare(read_results(results), read_results(worse))
    (a,) = [r for r in c.rows if r.label == "adam"]
    assert a.worse.p == pytest.approx(2 ** -10) and a.cost_ratio == pytest.approx(10.0)
    assert isinstance(a.better, M.PairedTest) and a.better.p == pytest.approx(1.0)
    assert a.new.median_cost == pytest.approx(10 * a.base.median_cost)
    # the other direction: better, and --fail passes
    assert main(["compare", str(worse), str(results), "--fail"]) == 0
    out = capsys.readouterr().out
    assert "Verdicts: 0 worse, 1 better (adam on tutorial | h2 sigmoid nobias sse), 2 same." in out


def test_the_rule_needs_both_the_test_and_the_ratio():
    def t(p, ratio):
        return M.PairedTest(p, "sign", 10, 0, ratio)

    assert C.verdict(t(0.001, 1.11), t(1.0, 0.9)) == "worse"
    assert C.verdict(t(0.001, 1.1), t(1.0, 0.9)) == "same"  # a ratio of exactly 1.1 does not exceed it
    assert C.verdict(t(0.05, 3.0), t(1.0, 0.3)) == "same"  # nor does p = 0.05 fall below 0.05
    assert C.verdict(t(1.0, 0.5), t(0.001, 2.0)) == "better"
    assert C.verdict(M.NA("no paired seed"), M.NA("no paired seed")) == "same"
    assert (C.VERDICT_LEVEL, C.VERDICT_RATIO) == (0.05, 1.1)


def test_small_differences_and_few_seeds_stay_the_same(results, tmp_path):
    # 5% worse on every seed: significant, but below the ratio threshold
    small = _edit(results, tmp_path / "small.jsonl", _scaled("adam", 1.05))
    (a,) = [r for r in C.compare(read_results(results), read_results(small)).rows if r.label == "adam"]
    assert a.worse.p == pytest.approx(2 ** -10) and a.verdict == "same"
    # 10x worse on 4 seeds only: p = 2^-4 = 0.0625 is no evidence at 5%
    four = _edit(results, tmp_path / "four.jsonl", lambda t: _scaled("adam", 10.0)(t) if t["seed"] < 4 else None)
    c = C.compare(read_results(results), read_results(four))
    (a,) = [r for r in c.rows if r.label == "adam"]
    assert a.pairs == 4 and a.worse.p == pytest.approx(1 / 16) and a.verdict == "same"
    assert len(c.only_base) == 18 and c.only_base[:2] == ["tutorial | h2 sigmoid nobias sse | adam | seed 4",
                                                 "tutorial | h2 sigmoid nobias sse | adam | seed 5"]


def test_a_trainer_that_now_fails_is_worse(results, tmp_path):
    def crash(t):
        if t["trainer"] == "BFGS":
            t.update(status="failed", error="RuntimeError: boom", message="RuntimeError: boom")
        return t

    broken = _edit(results, tmp_path / "broken.jsonl", crash)
    c = C.compare(read_results(results), read_results(broken))
    (b,) = [r for r in c.rows if r.label == "BFGS"]
    # BFGS solved every seed before: the failures count as the highest cost and reach nothing
    assert b.verdict == "worse" and b.worse.p == pytest.approx(2 ** -10) and math.isinf(b.cost_ratio)
    assert b.base.success == 1.0 and b.new.success == 0.0


def test_environment_differences_come_first_and_seconds_need_one_machine(results, tmp_path, capsys):
    def other(m):
        m.update(scipy="0.0.1", cpu="Another CPU", gpu="none", libraries={**m["libraries"], "scipy": "0.0.1"},
                 plugins=[*m["plugins"], {"name": "nnbench_cma", "distribution": "cma-plugin", "version": "4.0"}])
        return m

    moved = _edit(results, tmp_path / "moved.jsonl", meta=other)
    assert main(["compare", str(results), str(moved)]) == 0
    out = capsys.readouterr().out
    meta, _ = read_results(results)
    env = out.split("\n\n")[1].splitlines()
    assert env[0] == "Environment (BASE -> NEW):"
    assert f"  scipy: {meta.scipy} -> 0.0.1" in env and f"  CPU: {meta.cpu} -> Another CPU" in env
    assert "  plugin nnbench_cma: - -> cma-plugin 4.0" in env  # a plugin only NEW had
    assert f"  library scipy: {meta.scipy} -> 0.0.1" in env
    assert '  gpu: null -> "none"' in env  # a field this nnbench does not know
    assert env[-1].startswith(f"  machine: different machines (cpu {meta.cpu} vs Another CPU): seconds are not "
                              "compared")
    assert out.count("n/a (other machine)") == 3
    c = C.compare(read_results(results), read_results(moved))
    assert not c.same_machine and all(r.seconds_ratio is None for r in c.rows)


def test_formats_and_the_html_report(results, tmp_path, capsys):
    worse = _edit(results, tmp_path / "worse.jsonl", _scaled("adam", 10.0))
    page = tmp_path / "cmp.html"
    assert main(["compare", str(results), str(worse), "--format", "json", "--html", str(page)]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["paired"] == 30 and data["same_machine"] is True
    assert [(r["trainer"], r["verdict"]) for r in data["rows"]] == [("BFGS", "same"), ("Nelder-Mead", "same"),
                                                                     ("adam", "worse")]
    assert f"wrote {page}" in captured.err
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<h1>nnbench compare</h1>" in html
    assert 'table class="sortable"' in html and 'id="nnbench-family"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert main(["compare", str(results), str(worse), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("problem,trainer,family,pairs,base_cost,new_cost,cost_ratio")
    assert lines[-1].endswith(",worse") and len(lines) == 4


def test_bad_input_is_one_line_and_exit_2(results, tmp_path, capsys):
    assert main(["compare", str(results), str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnbench: error: ") and "missing.jsonl" in err and err.count("\n") == 1
    other = _edit(results, tmp_path / "other.jsonl", lambda t: {**t, "seed": t["seed"] + 100})
    assert main(["compare", str(results), str(other)]) == 2
    assert capsys.readouterr().err == (f"nnbench: error: {results} and {other} have no trial in common (the same "
                                       "data, network, trainer, options and seed): nothing to compare\n")
    assert main(["compare", str(results), str(results), "--html", str(results)]) == 2
    assert "--html" in capsys.readouterr().err
    assert main(["compare", str(results), str(results), "--format", "xml"]) == 2
    assert "unknown format 'xml'" in capsys.readouterr().err
    assert main(["compare", str(results), str(results), "--tau", "2"]) == 2
    assert capsys.readouterr().err == "nnbench: error: --tau: must be a positive number of at most 1, got 2\n"
