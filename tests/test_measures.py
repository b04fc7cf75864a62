"""The benchmarking measures on small cases computed by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from _records import NET, trial
from nnbench.reporting import measures as M

INF = math.inf


def rec(trainer, seed, history, evaluations, seconds, f0=1.0, status="ok", dataset="d",
        n_params=2, family="fam", train=None, test=None):
    """A trial record with only the fields the measures read."""
    return trial(trainer, seed, dataset=dataset, history=history, evaluations=evaluations, wall_time_s=seconds,
                 initial_cost=f0, status=status, n_params=n_params, family=family, train=train, test=test)


# Trainer A on three seeds, absolute target 0.5:
#   seed 0 reaches 0.4 at evaluation 4 (0.4 s), 10 evaluations spent in all;
#   seed 1 never goes below 0.9: a failure, 20 evaluations and 2.0 s spent;
#   seed 2 reaches exactly 0.5 at evaluation 2 (0.2 s).
# ERT = (4 + 20 + 2) / 2 reached = 13 evaluations; (0.4 + 2.0 + 0.2) / 2 = 1.3 s.
A_RUNS = [
    rec("A", 0, [[1, 0.1, 1.0], [4, 0.4, 0.4]], 10, 1.0),
    rec("A", 1, [[1, 0.1, 1.0], [6, 0.6, 0.9]], 20, 2.0),
    rec("A", 2, [[1, 0.1, 1.0], [2, 0.2, 0.5]], 5, 0.5),
]


def _setup(records):
    runs = M.runs_of(records)
    return runs, M.instances_of(runs)


def test_ert_on_paper_with_a_failure():
    runs, inst = _setup(A_RUNS)
    e = M.ert(runs, inst, M.Target(value=0.5))
    assert (e.value, e.reached, e.runs) == (13.0, 2, 3)
    s = M.ert(runs, inst, M.Target(value=0.5), "seconds")
    assert s.value == pytest.approx(1.3)
    none = M.ert(runs, inst, M.Target(value=0.1))
    assert none.value == INF and none.reached == 0


def test_relative_target_is_more_and_wild():
    assert M.relative_target(1.0, 0.2, 0.1) == pytest.approx(0.28)
    # f_best over trainers on the same seed: B reaches 0.0 on seed 0, so A's 0.4 is far from it
    runs, inst = _setup(A_RUNS + [rec("B", 0, [[1, 0.1, 1.0], [3, 0.3, 0.0]], 3, 0.3)])
    assert inst[("d", NET, 0)] == M.Instance(1.0, 0.0, 2)
    assert inst[("d", NET, 1)].f_best == 0.9
    g = M.Target(tau=0.1)
    assert g.cost(inst[("d", NET, 0)]) == pytest.approx(0.1)
    assert M.hit(runs[0], g.cost(inst[("d", NET, 0)])) is None
    # on seed 1 A's own 0.9 is f_best: target 0.9 + 0.1 * 0.1 = 0.91, reached at evaluation 6
    assert M.hit(runs[1], g.cost(inst[("d", NET, 1)])) == (6, 0.6)
    assert g.label == "tau=1e-01" and M.Target(value=0.01).label == "cost<=0.01"
    with pytest.raises(ValueError, match="either"):
        M.Target()
    with pytest.raises(ValueError, match=r"^tau: must be a positive number of at most 1, got "):
        M.Target(tau=2.0)


def test_skipped_trials_are_not_runs_and_the_success_flag_is_ignored():
    recs = A_RUNS + [rec("C", 0, [], 0, 0.0, status="skipped")]
    recs[1] = dataclasses.replace(recs[1], success=True)  # the optimizer claims success; it did not reach 0.5
    runs, inst = _setup(recs)
    assert [r.trainer for r in runs] == ["A", "A", "A"]
    assert M.ert(runs, inst, M.Target(value=0.5)).reached == 2


def test_performance_profile_on_paper():
    # three problems, two solvers; A fails on the third problem
    t = np.array([[10.0, 20.0], [30.0, 15.0], [INF, 40.0]])
    # ratios: A 1, 2, inf; B 2, 1, 1
    rho = M.performance_profile(t, [1, 1.5, 2, 1e6])
    np.testing.assert_allclose(rho[:, 0], [1 / 3, 1 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(rho[:, 1], [2 / 3, 2 / 3, 1, 1])
    # a problem nobody solves stays in the denominator
    rho4 = M.performance_profile(np.vstack([t, [INF, INF]]), [1e6])
    np.testing.assert_allclose(rho4[0], [2 / 4, 3 / 4])
    # both solved at the start (0 evaluations... 0/0): ratio 1 for both
    np.testing.assert_allclose(M.performance_profile(np.array([[0.0, 0.0]]), [1]), [[1.0, 1.0]])
    assert M.performance_profile(np.zeros((0, 2)), [1, 2]).shape == (2, 2)


def test_data_profile_on_paper():
    t = np.array([[10.0, 20.0], [30.0, 15.0], [INF, 40.0]])
    # n_p + 1 = 3, 3, 5: budgets in simplex gradients A 10/3, 10, inf; B 20/3, 5, 8
    d = M.data_profile(t, [2, 2, 4], [3, 5, 7, 10])
    np.testing.assert_allclose(d[:, 0], [0, 1 / 3, 1 / 3, 2 / 3])
    np.testing.assert_allclose(d[:, 1], [0, 1 / 3, 2 / 3, 1])


def test_runtime_matrix_from_records_counts_a_failure_as_infinite():
    recs = A_RUNS + [rec("B", s, [[1, 0.1, 1.0], [8, 0.8, 0.3]], 8, 0.8) for s in range(3)]
    runs, inst = _setup(recs)
    keys, trainers, t = M.runtime_matrix(runs, inst, M.Target(value=0.5))
    assert keys == [("d", NET, 0), ("d", NET, 1), ("d", NET, 2)]
    assert trainers == ["B", "A"]  # B's median best cost 0.3 is lower than A's 0.5
    np.testing.assert_array_equal(t, [[8, 4], [8, INF], [8, 2]])
    _, _, ts = M.runtime_matrix(runs, inst, M.Target(value=0.5), "seconds", trainers=["A"])
    np.testing.assert_allclose(ts[:, 0], [0.4, INF, 0.2])


def test_runtime_ecdf_over_run_target_pairs():
    runs, inst = _setup(A_RUNS)
    targets = [M.Target(value=0.5), M.Target(value=0.95)]
    # runtimes: target 0.5 -> 4, inf, 2; target 0.95 -> 4, 6, 2; six pairs
    f = M.runtime_ecdf(runs, inst, targets, [1, 2, 4, 6, 100])
    np.testing.assert_allclose(f, [0, 2 / 6, 4 / 6, 5 / 6, 5 / 6])
    f2 = M.runtime_ecdf(runs, inst, targets, [1, 2], per_param=True)  # divided by n_params = 2
    np.testing.assert_allclose(f2, [2 / 6, 4 / 6])
    np.testing.assert_array_equal(M.runtime_ecdf([], inst, targets, [1, 2]), [0, 0])
    with pytest.raises(ValueError, match="measure"):
        M.runtime_ecdf(runs, inst, targets, [1], measure="steps")


def test_fixed_budget_view():
    assert M.budgets_125(500) == [1, 2, 5, 10, 20, 50, 100, 200, 500]
    assert M.budgets_125(0.5) == []
    runs, _ = _setup(A_RUNS)
    assert M.best_at(runs[0], 3) == 1.0 and M.best_at(runs[0], 4) == 0.4
    assert M.best_at(runs[0], 1000) == 0.4  # a run that stopped keeps its final best
    assert M.best_at(runs[0], 0.5) is None
    assert M.best_at(runs[0], 0.45, "seconds") == 0.4
    (row,) = M.fixed_budget(runs, [1, 2, 5])
    assert row == {"trainer": "A", 1: 1.0, 2: 1.0, 5: 0.5}  # medians of (1, 1, 1), (1, 1, .5), (.4, 1, .5)


def test_median_iqr_and_bootstrap():
    assert M.median_iqr([1.0, 2.0, 3.0, 4.0, None]) == (2.5, 1.75, 3.25)
    assert isinstance(M.median_iqr([None]), M.NA)
    ci = M.bootstrap_ci([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], seed=1)
    assert ci == M.bootstrap_ci([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], seed=1)  # seeded
    assert 1.0 <= ci[0] <= 4.0 <= ci[1] <= 7.0
    assert M.bootstrap_ci([3.0, 3.0, 3.0]) == (3.0, 3.0)
    na = M.bootstrap_ci([3.0])
    assert str(na) == "n/a (1 finite value, a bootstrap needs 2)"


def test_holm_step_down():
    # sorted 0.01, 0.03, 0.04 -> 3*0.01, 2*0.03, max(0.06, 1*0.04)
    assert M.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert M.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert M.holm([]) == []


def test_the_paired_test_is_one_sided_exact_with_its_effect_size():
    a = {s: 1.0 + s for s in range(6)}
    b = {s: 0.5 + s for s in range(6)}
    # worse on all six seeds, no ties (distinct |d| needed by Wilcoxon): make the gaps distinct
    a = {s: b[s] + 0.1 * (s + 1) for s in b}
    w = M.paired_worse(a, b)
    assert (w.test, w.pairs, w.ties) == ("wilcoxon", 6, 0) and w.p == pytest.approx(2 ** -6)
    assert w.ratio == pytest.approx(np.median([a[s] / b[s] for s in b]))
    # better on every seed: the one-sided p of being worse is 1
    assert M.paired_worse(b, a).p == pytest.approx(1.0)
    # equal gaps tie in |d|: the sign test, still 2^-n when worse everywhere
    s6 = M.paired_worse({s: 1.0 + s for s in range(6)}, b)
    assert s6.test == "sign" and s6.p == pytest.approx(2 ** -6)
    # costs below the solved level tie: 3 solved seeds, 3 worse seeds -> a sign test over 3
    solved = {0: 1e-20, 1: 1e-25, 2: 1e-18, 3: 2.0, 4: 3.0, 5: 4.0}
    ref = {0: 1e-30, 1: 1e-12, 2: 1e-30, 3: 1.0, 4: 1.0, 5: 1.0}
    t = M.paired_worse(solved, ref, floor=1e-9)
    assert (t.test, t.ties) == ("sign", 3) and t.p == pytest.approx(1 / 8)
    assert t.ratio == pytest.approx(1.5)  # median of 1, 1, 1, 2, 3, 4
    assert str(M.paired_worse({0: 1.0}, {1: 1.0})) == "n/a (no paired seed)"


def test_seeds_needed_for_a_verdict():
    # 2^-n * m < 0.05: 10 seeds cover up to 51 comparisons (2^-10 * 51 = 0.0498), 52 need 11
    assert [M.seeds_needed(m) for m in (1, 2, 25, 51, 52)] == [5, 6, 9, 10, 11]
    assert 2.0 ** -10 * 51 < 0.05 <= 2.0 ** -10 * 52


def test_a_trainer_worse_on_each_of_10_seeds_is_significantly_worse():
    recs = []
    for s in range(10):
        recs.append(rec("best", s, [[1, 0.1, 0.1 + 0.01 * s]], 1, 0.1))
        recs.append(rec("bad", s, [[1, 0.1, 0.2 + 0.011 * s]], 1, 0.1))
        for k in range(20):  # 20 more trainers, each a little worse on some seeds and better on others
            recs.append(rec(f"mixed{k:02d}", s, [[1, 0.1, 0.1 + 0.01 * s + (-1) ** (s + k) * 1e-4 * (k + 1)]],
                            1, 0.1))
    rows = {r["trainer"]: r for r in M.compare_to_best(M.runs_of(recs))}
    assert rows["bad"]["p"] == pytest.approx(2 ** -10) and rows["bad"]["p_holm"] < 0.05
    assert rows["bad"]["verdict"] == "worse" and rows["bad"]["ratio"] > 1.5
    assert all(rows[f"mixed{k:02d}"]["verdict"] == "not shown worse" for k in range(20))


def test_compare_to_best_column_and_holm():
    recs = []
    for s in range(7):
        recs.append(rec("good", s, [[1, 0.1, 0.1 + 0.01 * s]], 1, 0.1))
        recs.append(rec("bad", s, [[1, 0.1, 0.5 + 0.011 * s]], 1, 0.1))
        recs.append(rec("same", s, [[1, 0.1, 0.1 + 0.01 * s + (1e-3 if s % 2 else -1e-3)]], 1, 0.1))
    rows = M.compare_to_best(M.runs_of(recs))
    by = {r["trainer"]: r for r in rows}
    assert rows[0]["trainer"] == "good" and rows[0]["verdict"] == "best"
    assert by["bad"]["p"] == pytest.approx(2 ** -7)
    assert by["bad"]["p_holm"] == pytest.approx(min(1, 2 * min(by["bad"]["p"], by["same"]["p"])))
    assert by["bad"]["verdict"] == "worse" and by["same"]["verdict"] == "not shown worse"
    assert by["bad"]["median"] == pytest.approx(0.533)


def test_win_rate_matrix():
    recs = [rec("A", 0, [[1, 0, 0.1]], 1, 0), rec("B", 0, [[1, 0, 0.2]], 1, 0),
            rec("A", 1, [[1, 0, 0.1]], 1, 0), rec("B", 1, [[1, 0, 0.1]], 1, 0),
            rec("A", 2, [[1, 0, 0.1]], 1, 0), rec("B", 2, [[1, 0, 0.3]], 1, 0),
            rec("C", 0, [[1, 0, 0.0]], 1, 0)]
    trainers, w, n = M.win_rate(M.runs_of(recs), ["A", "B", "C"])
    assert w[0, 1] == pytest.approx(2.5 / 3) and w[1, 0] == pytest.approx(0.5 / 3)
    assert w[0, 2] == 0.0 and n[0, 2] == 1 and n[0, 1] == 3
    assert np.isnan(w[0, 0])


def test_final_quality_says_why_test_columns_are_empty():
    fit = {"pearson_r": 0.9, "pearson_p": 0.01, "r2": 0.8, "mse": 0.1}
    recs = [rec("A", s, [[1, 0, 0.1 * (s + 1)]], 1, 0, train=fit) for s in range(3)]
    (row,) = M.final_quality(M.runs_of(recs))
    assert row["best_cost"] == pytest.approx((0.2, 0.15, 0.25))
    assert row["train_r2"] == (0.8, 0.8, 0.8)
    assert str(row["test_mse"]) == "n/a (no test split)"
