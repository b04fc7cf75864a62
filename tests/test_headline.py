"""The headline: AlgoPerf's score of the performance profile across problems, on cases computed by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from _records import NET, trial
from nnbench.reporting import measures as M
from nnbench.reporting.headline import headline
from nnbench.reporting.ranking import rank, row_label

INF = math.inf


def rec(trainer, seed, dataset, reached_at, evaluations, status="ok", family="fam"):
    """A trial starting at cost 1 that reaches 0 (the instance's f_best) at evaluation
    ``reached_at`` (``None``: it stays at 0.5, far above the tau = 1e-3 target 0.001)."""
    if status == "skipped":
        return trial(trainer, seed, dataset=dataset, history=[], evaluations=0, initial_cost=1.0, status=status,
                     family=family, message="declined")
    history = [[1, 0.01, 1.0]] + ([[reached_at, 0.01 * reached_at, 0.0]] if reached_at is not None
                                  else [[2, 0.02, 0.5]])
    return trial(trainer, seed, dataset=dataset, history=history, evaluations=evaluations, initial_cost=1.0,
                 status=status, family=family, wall_time_s=0.01 * evaluations)


def test_profile_score_is_the_exact_area_under_the_profile_from_1_to_4_over_3():
    # 2 problems x 3 trainers. Ratios: p0: A 1, B 2, C 5; p1: A inf, B 1, C 3.5
    t = np.array([[10.0, 20.0, 50.0], [INF, 4.0, 14.0]])
    np.testing.assert_array_equal(M.performance_ratios(t), [[1, 2, 5], [INF, 1, 3.5]])
    # B_s = sum_p max(0, 4 - r) / (2 * 3): A (3 + 0) / 6, B (2 + 3) / 6, C (0 + 0.5) / 6
    np.testing.assert_allclose(M.profile_score(t), [3 / 6, 5 / 6, 0.5 / 6])
    # the same as integrating rho over a fine grid (AlgoPerf's code uses the trapezoid rule)
    alphas = np.linspace(1, 4, 300001)
    area = np.trapezoid(M.performance_profile(t, alphas), alphas, axis=0) / 3
    np.testing.assert_allclose(M.profile_score(t), area, atol=1e-4)
    # the fastest everywhere scores 1, never solving 0; no problem: zeros
    np.testing.assert_allclose(M.profile_score(np.array([[1.0, INF], [2.0, INF]])), [1.0, 0.0])
    np.testing.assert_array_equal(M.profile_score(np.zeros((0, 2))), [0.0, 0.0])
    np.testing.assert_allclose(M.profile_score(t, max_ratio=2.0), [1 / 2, 1 / 2, 0.0])
    with pytest.raises(ValueError, match=r"^max_ratio must be > 1, got 1$"):
        M.profile_score(t, max_ratio=1)


def _three_by_two():
    """A, B, C on problems p and q, one seed each (f0 = 1, f_best = 0, target 0.001):
    p: A reaches it at evaluation 10, B at 20, C at 50; q: A never (failed: 30 evaluations),
    B at 4, C skipped (declined the problem)."""
    return [rec("A", 0, "p", 10, 10), rec("B", 0, "p", 20, 20), rec("C", 0, "p", 50, 50),
            rec("A", 0, "q", None, 30, status="failed"), rec("B", 0, "q", 4, 15), rec("C", 0, "q", None, 0, "skipped")]


def test_headline_ranks_three_trainers_on_two_problems_by_hand():
    h = headline(_three_by_two())
    # ERTs: p A 10, B 20, C 50 (ratios 1, 2, 5); q A inf (failed), B 4, C inf (skipped): ratios inf, 1, inf
    assert [(r.label, r.score, r.solved, r.fastest, r.reached, r.trials) for r in h.rows] == [
        ("B", pytest.approx(5 / 6), 2, 1, 2, 2), ("A", pytest.approx(3 / 6), 1, 1, 1, 2),
        ("C", 0.0, 1, 0, 1, 2)]
    assert h.names == [f"p | {NET}", f"q | {NET}"]
    np.testing.assert_array_equal(h.matrix, [[20, 10, 50], [4, INF, INF]])  # columns B, A, C
    headers, rows = h.table()
    assert headers == ["rank", "trainer", "family", "score", "solves", "fastest on", "runs reached target"]
    assert rows[0] == ["1", "B", "fam", "0.833", "2/2", "1/2", "2/2"]
    assert [f.sentence(h.target) for f in h.problems] == [
        f"p | {NET}: A reached the target (tau=1e-03) fastest, in 10 evaluations (ERT; 1 of 1 runs reached it), "
        "ahead of B (20; 1 of 1); faster on 1 of 1 paired seeds (one-sided exact sign test, p = 0.5): not sure: "
        "the order could be chance (with 1 seed that differs no test can be sure).",
        f"q | {NET}: B reached the target (tau=1e-03) fastest, in 4 evaluations (ERT; 1 of 1 runs reached it); "
        "no other trainer reached it."]
    assert h.lead == ("The fastest to the tau=1e-03 target across the 2 problems is B, score 0.833, ahead of A "
                      "(0.500); it solves 2 of 2 and is the fastest on 1. A score of 1 is the fastest on every "
                      "problem, 0 never within 4 times the fastest's evaluations.")
    text = h.text()
    assert text.startswith("Headline across 2 problems: AlgoPerf's score, the area under the performance profile "
                           "of evaluations to the tau=1e-03 target for ratios 1 to 4, over 3")
    assert text.rstrip().endswith("the tables above rank within each problem by median best cost.")
    assert "(2 of 3 trainers; the HTML report ranks all)" in h.text(top=2)


def test_the_headline_ranks_across_problems_where_the_ranking_rule_ranks_within_one():
    recs = _three_by_two()
    # within p the ranking rule ties A, B and C (all solved: cost 0) and breaks it by evaluations
    assert rank([r for r in recs if r.data_id == "p"]) == ["A", "B", "C"]
    assert [r.label for r in headline(recs).rows] == ["B", "A", "C"]


def test_ten_seeds_faster_on_each_is_sure_and_an_absolute_target_works():
    recs = []
    for s in range(10):
        recs.append(rec("fast", s, "p", 5 + s, 40))
        recs.append(rec("slow", s, "p", 10 + s, 40))
        recs.append(rec("never", s, "p", None, 40))
    (f,) = headline(recs).problems
    assert (f.winner, f.ert, f.runner_up, f.runner_ert, f.wins) == ("fast", 9.5, "slow", 14.5, 10)
    assert f.test.p == pytest.approx(2 ** -10) and f.sure
    assert f.sentence(M.Target(tau=1e-3)).endswith(
        "faster on 10 of 10 paired seeds (one-sided exact sign test, p = 0.00098): sure at the 5% level.")
    # an absolute target no run reaches: nobody solves anything
    h = headline(recs, target_cost=-1.0)
    assert all(r.score == 0 and r.solved == 0 for r in h.rows)
    assert h.problems[0].sentence(h.target) == f"p | {NET}: no trainer reached the target (cost<=-1)."
    assert h.lead.startswith("No trainer reached the cost<=-1 target")


def test_rows_are_variants_when_records_have_one():
    recs = _three_by_two()
    assert row_label(recs[0]) == "A"
    for r in recs:
        if r.trainer == "A":
            r.variant = "A[learning_rate=0.1]"  # the variant field of the protocol's records
    assert row_label(recs[0]) == "A[learning_rate=0.1]"
    assert [r.label for r in headline(recs).rows] == ["B", "A[learning_rate=0.1]", "C"]
    assert {r.trainer for r in M.runs_of(recs)} == {"A[learning_rate=0.1]", "B", "C"}


def test_runtime_matrix_by_problem_is_the_ert_over_the_seeds():
    # B reaches 0 on seed 1, so A's 0.5 there misses the target f_best + 1e-3 (f0 - f_best) = 0.001
    recs = [rec("A", 0, "p", 4, 10), rec("A", 1, "p", None, 20), rec("A", 2, "p", 2, 5), rec("B", 1, "p", 3, 3)]
    runs = M.runs_of(recs)
    keys, trainers, t = M.runtime_matrix(runs, M.instances_of(runs), M.Target(tau=1e-3), trainers=["A", "B"],
                                         by="problem")
    # ERT of A = (4 + 20 + 2) / 2 reached; B's one run reached it at evaluation 3
    assert keys == [("p", NET)] and trainers == ["A", "B"] and t.tolist() == [[13.0, 3.0]]
    with pytest.raises(ValueError, match="by must be one of"):
        M.runtime_matrix(runs, M.instances_of(runs), M.Target(tau=1e-3), by="seed")


def test_the_sign_test_counts_an_infinite_cost_as_the_highest():
    base = {s: 1.0 for s in range(6)}
    failed = {s: INF for s in range(6)}
    t = M.paired_worse(failed, base, test="sign")
    assert (t.test, t.pairs, t.ties, t.ratio) == ("sign", 6, 0, INF) and t.p == pytest.approx(2 ** -6)
    assert M.paired_worse(base, failed, test="sign").p == pytest.approx(1.0)
    both = M.paired_worse(failed, dict(failed), test="sign")
    assert (both.p, both.ties, both.ratio) == (1.0, 6, 1.0)
    # "auto" keeps leaving infinite costs out, as the report's statistics always did
    assert str(M.paired_worse(failed, base)) == "n/a (no paired seed)"
    # the sign test ignores magnitudes where Wilcoxon would not: 5 worse by a little, 1 better by a lot
    a = {s: 1.1 for s in range(5)} | {5: 0.0}
    assert M.paired_worse(a, base, test="sign").p == pytest.approx(7 / 64)
    with pytest.raises(ValueError, match="test must be one of"):
        M.paired_worse(a, base, test="t")


def test_failed_runs_count_as_not_solved_whatever_they_evaluated():
    recs = _three_by_two()
    # A on q raised after evaluating 0.5: alone on q (B removed), it would set f_best and reach it
    alone = [r for r in recs if not (r.trainer == "B" and r.data_id == "q")]
    assert {r.label: r.solved for r in headline(alone).rows}["A"] == 1  # p only
    assert headline(alone).problems[1].winner is None
    broken = [dataclasses.replace(r, status="failed", best_cost=None, history=[]) if r.trainer == "B" else r
              for r in recs]
    rows = {r.label: r for r in headline(broken).rows}
    assert rows["B"].score == 0 and rows["B"].solved == 0 and rows["B"].reached == 0
    assert rows["A"].score == pytest.approx(3 / 6)  # fastest on p, nobody solves q
