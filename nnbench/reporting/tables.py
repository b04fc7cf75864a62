"""Tables of trial records: a summary per trainer aggregated over seeds, or one row per trial.

Tables are rendered with tabulate (plain, github, markdown, html, latex) or written as CSV
or JSON. Records are :class:`nnbench.results.record.TrialRecord` (as a run returns them or as read
back from a results file); rows are ordered by :mod:`nnbench.reporting.ranking`.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from nnbench.contract.problems import TargetSpec
from nnbench.errors import ConfigError, did_you_mean
from nnbench.reporting.ranking import Standing, evaluation, median, rank, row_label, standings
from nnbench.results.record import TrialRecord, by_problem, jsonable, problem_labels

__all__ = ["FORMATS", "summarize", "trial_rows", "tables", "render", "problems", "tuning_cost"]

#: Output formats: tabulate's (plain, github, markdown = pipe, html, latex), csv and json.
FORMATS: tuple[str, ...] = ("plain", "github", "markdown", "html", "latex", "csv", "json")
_TABULATE = {"plain": "simple", "github": "github", "markdown": "pipe", "html": "html", "latex": "latex"}
_OTHER_CALLS = ("grad", "hessp", "hess", "residual_jac")


def check_format(fmt: str) -> str:
    """``fmt`` lower-cased if it is one of :data:`FORMATS`.

    :raises ConfigError: an unknown format, naming the closest ones.
    """
    f = fmt.lower()
    if f not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}{did_you_mean(fmt, FORMATS)}; choose from {', '.join(FORMATS)}")
    return f


def problems(records: Sequence[TrialRecord]) -> list[tuple[str, str]]:
    """The distinct problems (:attr:`TrialRecord.problem`, their identities), in the order
    :func:`nnbench.results.record.problem_labels` gives them (plan order), as every table has."""
    return list(problem_labels(records))


def summarize(records: Sequence[TrialRecord]) -> list[dict]:
    """One row per (problem, trainer), aggregated over seeds, best first within a problem
    (the order of :func:`nnbench.reporting.ranking.standings`).

    Columns: ``dataset``, ``network``, ``weights``, ``trainer``, ``family``, ``runs``,
    ``failed`` (raised, crashed, or evaluated no finite cost), ``timed_out`` (ended by the
    per-trial time limit; their best point still counts), ``skipped``, ``converged`` (share
    of the trials that ran whose optimizer reported success), ``reached`` (share that
    reached the target, or ``None`` without one), ``best_cost`` (median of the lowest cost
    evaluated), ``pearson_r`` (median, training data), ``test_r`` (median on the test
    split, or ``None``), ``accuracy`` and ``test_accuracy`` (median class accuracy on a
    classification problem, else ``None``), ``wall_s`` (median seconds), ``evals`` (median evaluations),
    ``calls`` (median other calls by kind, e.g. ``"hessp 210"``), ``note`` (why trials were
    skipped, failed or timed out, or, when no run converged before its budget, the
    optimizer's most common message).
    """
    return [row for _, row in _summary(records)]


def _summary(records: Sequence[TrialRecord]) -> list[tuple[tuple[str, str], dict]]:
    """:func:`summarize`'s rows, each with the identity of its problem."""
    records = evaluation(records)
    labels, groups = problem_labels(records), by_problem(records)
    return [(problem, _row(labels[problem], st)) for problem in labels for st in standings(groups[problem])]


def _row(problem: tuple[str, str], st: Standing) -> dict:
    recs = st.records
    ran = [r for r in recs if r.ran]
    failed = [r for r in recs if r.status == "failed"]
    timed_out = [r for r in recs if r.status == "time limit"]
    skipped = [r for r in recs if r.status == "skipped"]
    reached = [r.reached_target for r in ran if r.reached_target is not None]
    calls = []
    for kind in _OTHER_CALLS:
        m = median(r.counts.get(kind, 0) for r in ran)
        if m:
            calls.append(f"{kind} {m:g}")
    note = ""
    if skipped:
        note = skipped[0].message
    elif failed:
        note = failed[0].error or failed[0].message or failed[0].status
    elif timed_out:
        note = timed_out[0].message or "time limit"
    elif ran and all(r.train is None or r.train.pearson_r is None for r in ran):
        note = next((r.train.undefined for r in ran if r.train is not None and r.train.undefined), "") or ""
    elif ran and not any(r.success for r in ran):
        # no run converged and none was stopped by the budget: say why the optimizer stopped
        own = [r.message for r in ran if r.stop is None and r.message]
        if own:
            note = max(set(own), key=own.count)
    return {
        "dataset": problem[0], "network": problem[1], "weights": recs[0].n_params,
        "trainer": st.trainer, "family": recs[0].family,
        "runs": len(recs), "failed": len(failed), "timed_out": len(timed_out), "skipped": len(skipped),
        "converged": (sum(r.success for r in ran) / len(ran)) if ran else None,
        "reached": (sum(reached) / len(reached)) if reached else None,
        "best_cost": st.median_cost,
        "pearson_r": median(r.train.pearson_r for r in ran if r.train is not None),
        "test_r": median(r.test.pearson_r for r in ran if r.test is not None),
        "accuracy": median(r.train.accuracy for r in ran if r.train is not None),
        "test_accuracy": median(r.test.accuracy for r in ran if r.test is not None),
        "wall_s": median(r.wall_time_s for r in ran),
        "evals": st.median_evals,
        "calls": ", ".join(calls),
        "note": note,
    }


def trial_rows(records: Sequence[TrialRecord]) -> list[dict]:
    """One row per trial: dataset, network, trainer, seed, status, success, best cost,
    Pearson r (train, test), class accuracy (train, test; ``None`` on regression), evaluations, wall seconds, stop reason, message; ordered by
    problem (first seen), trainer (ranked within the problem) and seed, whatever order the
    trials finished in."""
    return [row for _, row in _trials(records)]


def _trials(records: Sequence[TrialRecord]) -> list[tuple[tuple[str, str], dict]]:
    """:func:`trial_rows`' rows, each with the identity of its problem."""
    records = evaluation(records)
    rows = []
    groups = by_problem(records)
    for problem, (ds, net) in problem_labels(records).items():
        mine = groups[problem]
        order = {t: i for i, t in enumerate(rank(mine))}
        for r in sorted(mine, key=lambda r: (order[row_label(r)], r.seed)):
            rows.append((problem, {
                "dataset": ds, "network": net, "trainer": row_label(r),
                "seed": r.seed, "status": r.status, "success": r.success,
                "best_cost": r.best_cost, "pearson_r": r.train.pearson_r if r.train else None,
                "test_r": r.test.pearson_r if r.test else None,
                "accuracy": r.train.accuracy if r.train else None,
                "test_accuracy": r.test.accuracy if r.test else None,
                "evals": r.evaluations, "wall_s": r.wall_time_s,
                "stop": r.stop, "message": (r.error or r.message or "")[:120],
            }))
    return rows


def _fmt(v: Any, col: str) -> Any:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if col in ("converged", "reached") and isinstance(v, float):
        return f"{100 * v:.0f}%"
    if col in ("pearson_r", "test_r", "accuracy", "test_accuracy") and isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, float):
        return f"{v:.4g}" if col != "evals" else f"{v:g}"
    return v


_HEADERS = {"trainer": "trainer", "family": "family", "runs": "runs", "failed": "failed", "timed_out": "time limit",
            "skipped": "skipped", "converged": "converged", "reached": "target",
            "best_cost": "best cost", "pearson_r": "r", "test_r": "test r", "accuracy": "acc",
            "test_accuracy": "test acc", "wall_s": "wall s",
            "evals": "evals", "calls": "other calls", "note": "note", "seed": "seed",
            "status": "status", "success": "success", "stop": "stop", "message": "message",
            "dataset": "dataset", "network": "network", "weights": "weights"}


#: What a classification problem shows in place of the regression columns.
_ACCURACY = {"pearson_r": "accuracy", "test_r": "test_accuracy"}


def _visible(rows: list[dict], cols: list[str]) -> list[str]:
    """Drop optional columns that are empty in every row."""
    optional = {"reached", "test_r", "test_accuracy", "calls", "note", "stop", "timed_out"}
    # a target column stays when every run missed the target: 0% is the answer asked for
    return [c for c in cols if c not in optional or any(r.get(c) not in (None, "", 0) for r in rows)
            or (c == "reached" and any(r.get(c) is not None for r in rows))]


def tables(records: Sequence[TrialRecord], per_trial: bool = False) -> list[tuple[str, list[str], list[list[str]]]]:
    """The text tables of ``records``, one per problem: ``(title, headers, rows)``, cells
    formatted for display (strings, or ints for counts; ``"-"`` for a missing value), empty
    optional columns dropped. A classification problem (the records' ``task``) shows class
    accuracy (``acc``, ``test acc``) where a regression shows Pearson r (``r``, ``test r``).

    :param per_trial: one row per trial instead of the summary per trainer.

    Only evaluation-phase trials are rows (:func:`nnbench.reporting.ranking.evaluation`).
    """
    records = evaluation(records)
    rows = _trials(records) if per_trial else _summary(records)
    cols = (["trainer", "seed", "status", "success", "best_cost", "pearson_r", "test_r", "evals", "wall_s", "stop", "message"]
            if per_trial else
            ["trainer", "family", "runs", "failed", "timed_out", "skipped", "converged", "reached", "best_cost", "pearson_r",
             "test_r", "wall_s", "evals", "calls", "note"])
    out = []
    groups = by_problem(records)
    rows_of: dict[tuple[str, str], list[dict]] = {}
    for p, row in rows:
        rows_of.setdefault(p, []).append(row)
    for problem, (ds, net) in problem_labels(records).items():
        sub, first = rows_of.get(problem, []), groups[problem][0]
        classification = first.task == "classification"
        show = _visible(sub, [_ACCURACY.get(c, c) for c in cols] if classification else cols)
        weights = first.n_params
        target = f" | target {TargetSpec(first.target_metric, first.target).label}" if first.target is not None else ""
        out.append((f"{ds} | {net} | {weights} weights{target}", [_HEADERS[c] for c in show],
                    [[_fmt(r.get(c), c) for c in show] for r in sub]))
    return out


def render(records: Sequence[TrialRecord], fmt: str = "plain", per_trial: bool = False) -> str:
    """The table of ``records`` as text.

    :param fmt: one of :data:`FORMATS`. Text formats give one table per problem (dataset
        and network) under a heading; ``csv`` and ``json`` give one long table with
        ``dataset`` and ``network`` columns.
    :param per_trial: one row per trial instead of the summary per trainer.
    :raises ConfigError: an unknown format.

    Rows are evaluation-phase trials; the plain format adds :func:`tuning_cost` under the
    tables when there were tuning trials.
    """
    fmt = check_format(fmt)
    if fmt in ("json", "csv"):
        rows = trial_rows(records) if per_trial else summarize(records)
        if fmt == "json":
            return json.dumps(jsonable(rows), indent=1)
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        return buf.getvalue()
    if not evaluation(records):
        return "(no trials)\n"
    out = []
    for title, headers, cells in tables(records, per_trial):
        table = tabulate(cells, headers=headers, tablefmt=_TABULATE[fmt], disable_numparse=True)
        if fmt == "html":
            out.append(f"<h3>{html.escape(title)}</h3>\n{table}")
        elif fmt == "latex":
            out.append(f"% {title}\n{table}")
        elif fmt in ("github", "markdown"):
            out.append(f"### {title}\n\n{table}")
        else:
            out.append(f"{title}\n{table}")
    cost = tuning_cost(records)
    if cost and fmt == "plain":
        out.append(cost)
    return "\n\n".join(out) + "\n"


def tuning_cost(records: Sequence[TrialRecord]) -> str:
    """One line of what tuning cost (``nnbench run --tune``): per tuned trainer over every
    problem, its tuning trials, their evaluations and wall-clock seconds; ``""`` without
    tuning trials. (``Tuning cost: adam 48 trials, 48000 evaluations, 1.37 s``.)"""
    by: dict[str, list[TrialRecord]] = {}
    for r in records:
        if r.phase == "tuning":
            by.setdefault(r.trainer, []).append(r)
    if not by:
        return ""
    parts = [f"{t} {len(rs)} trials, {sum(r.evaluations for r in rs)} evaluations, "
             f"{sum(r.wall_time_s for r in rs):.3g} s" for t, rs in sorted(by.items(), key=lambda kv: kv[0].lower())]
    return "Tuning cost: " + "; ".join(parts) + " (tuning trials are not rows; the report shows them)"
