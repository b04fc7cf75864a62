"""Two runs on one machine print the same table but for the clock (issue 14, item 6).

The bare run is bounded by evaluations, and every trainer is seeded from its trial, so the
best-cost, evaluation, target and fit columns of two runs of the default suite are equal to
the last bit; only the seconds may differ. A lighter form of "two bare runs print identical
columns": the default suite with one trainer of each family that draws random numbers or
depends on evaluation order (basinhopping, differential_evolution, Nelder-Mead, adam, rprop,
least_squares-trf, L-BFGS-B), 2 seeds, through the default process executor with 2 workers,
so trials finish in a different order each time.
"""

from __future__ import annotations

import json

from nnbench.cli.main import main

TRAINERS = "L-BFGS-B,Nelder-Mead,adam,rprop,least_squares-trf,basinhopping,differential_evolution"
CLOCK_COLUMNS = {"wall_s"}


def _table(tmp_path, capsys, name: str) -> list[dict]:
    argv = ["run", "--trainers", TRAINERS, "--seeds", "2", "--jobs", "2", "--format", "json", "--quiet",
            "--out", str(tmp_path / f"{name}.jsonl")]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    return [{k: v for k, v in row.items() if k not in CLOCK_COLUMNS} for row in rows]


def test_two_runs_of_the_default_suite_print_the_same_columns_but_seconds(tmp_path, capsys):
    first, second = _table(tmp_path, capsys, "a"), _table(tmp_path, capsys, "b")
    assert len(first) == 3 * len(TRAINERS.split(","))  # the default suite's three problems
    assert not any(row["timed_out"] for row in first)  # bounded by evaluations, never by the clock
    assert first == second


def test_problems_are_ordered_as_planned_whatever_order_the_trials_finished_in(tmp_path, capsys):
    from nnbench.reporting.tables import problems
    from nnbench.results.store import read_results

    out = tmp_path / "r.jsonl"
    assert main(["run", "--trainers", "BFGS", "--seeds", "2", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    _, records = read_results(out)
    assert sorted(r.problem_index for r in records) == [0, 0, 1, 1, 2, 2]  # 3 problems x 2 seeds x 1 trainer
    planned = [(r.data_id, r.network.label) for r in sorted(records, key=lambda r: r.problem_index)][::2]
    assert problems(records[::-1]) == problems(records) == planned
    assert [r.problem_name for r in sorted(records, key=lambda r: r.problem_index)][::2] == ["tutorial", "diabetes", "iris"]
