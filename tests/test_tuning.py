"""Tuning as part of the run (issue 14, item 3): ``--tune N`` tries N Sobol configurations per
search space on tuning seeds apart from the evaluation seeds and runs the best as
``TRAINER[tuned]``; the report shows its cost and E_k (Dodge et al. 2019).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import numpy as np
import pytest

from nnbench import Budget, DatasetSpec, NetworkSpec, Suite, defaults
from nnbench.cli import main
from nnbench.contract.search import LogUniform, Uniform, design, design_seed
from nnbench.errors import ConfigError
from nnbench.plugins import Registry, get_plugin_manager
from nnbench.reporting import html as htmlreport
from nnbench.reporting import measures as M
from nnbench.reporting.tables import render, summarize
from nnbench.results.store import read_results
from nnbench.running.suite import make_plan
from nnbench.running.tuning import configurations, pick, tuning_median, tuning_seeds

TUTORIAL = (DatasetSpec("tutorial"), NetworkSpec((2,), bias=False))


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """``nnbench run --problem tutorial --trainers adam --tune 16``: its results file."""
    out = tmp_path_factory.mktemp("tune") / "t.jsonl"
    assert main(["run", "--problem", "tutorial", "--trainers", "adam", "--tune", "16", "--executor", "serial",
                 "--quiet", "--out", str(out)]) == 0
    return out


def test_tune_16_makes_adam_reach_below_1e_3_on_the_tutorial(tuned):
    _, recs = read_results(tuned)
    rows = {row["trainer"]: row for row in summarize(recs)}
    assert list(rows) == ["adam[tuned]", "adam"]  # evaluation rows only, tuned and default side by side
    assert rows["adam"]["best_cost"] == pytest.approx(0.602, rel=1e-3)  # the paper's learning rate 1e-3
    assert rows["adam[tuned]"]["best_cost"] < 1e-3 and rows["adam[tuned]"]["runs"] == defaults.SEEDS
    tuned_recs = [r for r in recs if r.variant == "adam[tuned]"]
    assert {r.phase for r in tuned_recs} == {"evaluation"}
    assert len({r.options["learning_rate"] for r in tuned_recs}) == 1  # its options are recorded
    # the pick: the lowest median best cost over the tuning seeds among the 16
    medians: dict[float, list] = {}
    for r in recs:
        if r.phase == "tuning":
            medians.setdefault(r.options["learning_rate"], []).append(r.best_cost)
    assert len(medians) == 16 and all(len(v) == defaults.TUNE_SEEDS for v in medians.values())
    best = min(medians, key=lambda lr: tuning_median(medians[lr]))
    assert tuned_recs[0].options == {"learning_rate": best}


def test_tuning_and_evaluation_seeds_never_overlap(tuned, registry):
    _, recs = read_results(tuned)
    tuning = {r.seed for r in recs if r.phase == "tuning"}
    evaluation = {r.seed for r in recs if r.phase == "evaluation"}
    assert tuning == set(tuning_seeds(defaults.TUNE_SEEDS)) == {1_000_000, 1_000_001, 1_000_002}
    assert evaluation == set(range(defaults.SEEDS)) and not tuning & evaluation
    with pytest.raises(ConfigError, match="Suite.seeds: seed 1000001 is at or above 1000000, where the tuning"):
        make_plan(Suite(problems=[TUTORIAL], trainers="adam", seeds=[0, 1000001], tune=2), registry)


def test_the_design_is_a_seeded_scrambled_sobol_sequence_mapped_through_the_space():
    space = {"learning_rate": LogUniform(1e-4, 1.0), "beta": Uniform(0.5, 0.99)}
    a = design(space, 8, "momentum")
    assert a == design(space, 8, "Momentum") and a != design(space, 8, "adam")
    assert design(space, 4, "momentum") == a[:4]  # a sequence: a smaller design is its start
    assert design_seed("adam") == int.from_bytes(hashlib.sha256(b"adam").digest()[:8], "big")
    from scipy.stats import qmc

    u = qmc.Sobol(d=2, scramble=True, rng=np.random.default_rng(design_seed("momentum"))).random(8)
    assert [p["beta"] for p in a] == pytest.approx(0.5 + u[:, 0] * 0.49)  # keys sorted: beta, learning_rate
    assert [p["learning_rate"] for p in a] == pytest.approx(1e-4 * 1e4 ** u[:, 1])
    # 8 points of a scrambled Sobol sequence fall one in each eighth of every axis
    assert sorted(np.floor(u[:, 0] * 8)) == list(range(8))


def test_options_set_by_option_are_held_and_the_rest_searched(registry):
    momentum = registry.trainer("momentum")
    configs = configurations(momentum, 4, {"beta": 0.8})
    assert all(c["beta"] == 0.8 for c in configs) and len({c["learning_rate"] for c in configs}) == 4
    assert configurations(registry.trainer("adam"), 4, {"learning_rate": 0.01}) == []  # nothing left to search
    assert configurations(registry.trainer("BFGS"), 4) == []  # scipy's trainers declare no search space


def test_the_pick_takes_the_lowest_median_ties_to_the_lower_index():
    assert pick([0.3, 0.1, 0.1, 0.2]) == 1
    assert pick([math.inf, math.inf]) == 0
    assert tuning_median([0.1, None, 0.3]) == 0.3  # a failed trial counts as inf
    assert tuning_median([None, None, 0.2]) == math.inf


def test_a_tuning_run_resumes_with_the_same_pick(tmp_path, capsys):
    out = tmp_path / "t.jsonl"
    args = ["run", "--problem", "tutorial", "--trainers", "adam,gradient-descent", "--tune", "4", "--seeds", "2",
            "--executor", "serial", "--quiet", "--out", str(out)]
    assert main(args) == 0
    lines = out.read_text().splitlines()
    meta, recs = read_results(out)
    picked = {r.variant: r.options for r in recs if r.variant.endswith("[tuned]")}
    assert len(recs) == 2 * 4 * 3 + 2 * 2 + 2 * 2
    # lose the last tuning trial and every tuned trial, as if the run was killed after tuning began
    parsed = [json.loads(ln) for ln in lines]
    keep = [ln for ln, d in zip(lines, parsed) if not d.get("variant", "").endswith("[tuned]")]
    keep.remove(next(ln for ln in reversed(keep) if json.loads(ln).get("phase") == "tuning"))
    out.write_text("\n".join(keep) + "\n")
    assert main([*args, "--resume"]) == 0
    assert "resuming" in capsys.readouterr().err
    _, again = read_results(out)
    assert len(again) == len(recs)
    assert {r.variant: r.options for r in again if r.variant.endswith("[tuned]")} == picked


def test_expected_best_is_dodge_et_al_s_formula_checked_by_enumeration():
    import itertools

    rng = np.random.default_rng(3)
    for costs in ([0.5], [3.0, 1.0, 2.0, 5.0], [1.0, 1.0, 2.0], list(rng.uniform(size=5)), [0.2, math.inf, 0.1]):
        e = M.expected_best(costs)
        assert e.shape == (len(costs),)
        for k in range(1, len(costs) + 1):  # every ordered draw of k with replacement, equally likely
            brute = np.mean([min(draw) for draw in itertools.product(costs, repeat=k)])
            assert e[k - 1] == pytest.approx(brute, rel=1e-12)
    assert M.expected_best([3.0, 1.0, 2.0, 5.0])[0] == pytest.approx(2.75)  # E_1: the mean
    assert M.expected_best([]).shape == (0,)


def test_the_report_has_a_tuning_section_with_its_cost_and_e_k(tuned):
    meta, recs = read_results(tuned)
    (t,) = M.tuning_summary(recs)
    assert (t.trainer, len(t.configurations), t.trials) == ("adam", 16, 16 * defaults.TUNE_SEEDS)
    assert t.evaluations == sum(r.evaluations for r in recs if r.phase == "tuning") == 48 * 1000
    assert t.seconds == pytest.approx(sum(r.wall_time_s for r in recs if r.phase == "tuning"))
    assert t.expected[-1] < t.expected[0] and np.all(np.diff(t.expected) <= 1e-15)  # E_k falls with k
    assert render(recs).rstrip().endswith(
        f"Tuning cost: adam 48 trials, 48000 evaluations, {t.seconds:.3g} s (tuning trials are not rows; the report "
        "shows them)")
    blocks = htmlreport.build(recs, [meta], [str(tuned)], [len(recs)], plots=False)
    titles = [b.text for b in blocks if b.kind == "table"]
    assert "Tuning cost, and the default and tuned rows on the evaluation seeds (median best cost)" in titles
    (cost,) = [b for b in blocks if b.kind == "table" and b.text.startswith("Tuning cost")]
    assert cost.rows[0][1:5] == ["adam", "16", "48", "48000"]
    (ek,) = [b for b in blocks if b.kind == "table" and b.text.startswith("Expected best")]
    assert ek.headers[-1] == "k=16" and ek.rows[0][2] == f"{t.expected[0]:.4g}"


def test_python_suites_tune_as_the_command_line_does(tuned):
    import nnbench

    result = nnbench.run(Suite(problems=["tutorial"], trainers="adam", seeds=2, tune=16))
    _, recs = read_results(tuned)
    mine = {(r.variant, r.phase, r.seed): r.options for r in result.records}
    assert mine == {(r.variant, r.phase, r.seed): r.options for r in recs if r.seed < 2 or r.phase == "tuning"}
    assert result.best()["variant"] == "adam[tuned]" and result.best("adam[tuned]") is result.best()


def test_the_e_k_curve_is_drawn_per_problem_and_tuned_trainer(tuned):
    pytest.importorskip("matplotlib")
    from nnbench.reporting import plots as P

    _, recs = read_results(tuned)
    tunings = M.tuning_summary(recs)
    fig = P.expected_best_plot(tunings)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == list(range(1, 17)) and list(line.get_ydata()) == list(tunings[0].expected)
    with pytest.raises(ValueError, match="no tuning reached a finite positive cost"):
        P.expected_best_plot([dataclasses.replace(tunings[0], expected=np.full(16, math.inf))])
