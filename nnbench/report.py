"""Tables of trial records: a summary per trainer aggregated over seeds, or one row per trial.

Tables are rendered with tabulate (plain, github, markdown, html, latex) or written as CSV
or JSON. Records are the dicts of :func:`nnbench.harness.run_trial` (as read back from a
results file).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from tabulate import tabulate

from nnbench.errors import ConfigError
from nnbench.trainer import closest_names

__all__ = ["FORMATS", "summarize", "trial_rows", "tables", "render", "problems"]

#: Output formats: tabulate's (plain, github, markdown = pipe, html, latex), csv and json.
FORMATS: tuple[str, ...] = ("plain", "github", "markdown", "html", "latex", "csv", "json")
_TABULATE = {"plain": "simple", "github": "github", "markdown": "pipe", "html": "html", "latex": "latex"}
#: Costs below this fraction of the initial cost rank as equal in the summary (see :func:`summarize`).
SOLVED_RELATIVE = 1e-9
_OTHER_CALLS = ("grad", "hessp", "hess", "residual_jac")


def check_format(fmt: str) -> str:
    """``fmt`` lower-cased if it is one of :data:`FORMATS`.

    :raises ConfigError: an unknown format, naming the closest ones.
    """
    f = fmt.lower()
    if f not in FORMATS:
        near = closest_names(fmt, FORMATS)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise ConfigError(f"unknown format {fmt!r}{hint}; choose from {', '.join(FORMATS)}")
    return f


def _median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(vals) if vals else None


def problems(records: Sequence[dict]) -> list[tuple[str, str]]:
    """The distinct ``(dataset_label, network_label)`` pairs, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for r in records:
        seen.setdefault((r["dataset_label"], r["network_label"]), None)
    return list(seen)


def summarize(records: Sequence[dict]) -> list[dict]:
    """One row per (problem, trainer), aggregated over seeds, best first within a problem.

    Columns: ``dataset``, ``network``, ``weights``, ``trainer``, ``family``, ``runs``,
    ``failed`` (raised, crashed, or evaluated no finite cost), ``timed_out`` (ended by the
    per-trial time limit; their best point still counts), ``skipped``, ``converged`` (share of the trials that
    ran whose optimizer reported success), ``reached`` (share that reached the target, or
    ``None`` without one), ``best_cost`` (median of the lowest cost evaluated), ``pearson_r``
    (median, training data), ``test_r`` (median on the test split, or ``None``), ``wall_s``
    (median seconds), ``evals`` (median evaluations), ``calls`` (median other calls by
    kind, e.g. ``"hessp 210"``), ``note`` (why trials were skipped, failed or timed out, or,
    when no run converged before its budget, the optimizer's most common message).

    Sorted by: trainers with no trial that ran last, then median best cost, then median
    wall seconds. Median best costs below :data:`SOLVED_RELATIVE` times the problem's median
    initial cost count as equal (the problem is solved to rounding noise; on the tutorial
    problem, whose minimum is 0, costs of 1e-25 and 1e-12 say nothing about the method), so
    among those the faster trainer ranks first.
    """
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r["dataset_label"], r["network_label"], r["trainer"]), []).append(r)
    rows = []
    for (ds, net, trainer), recs in groups.items():
        ran = [r for r in recs if r["status"] in ("ok", "time limit") or (r["status"] == "failed" and r.get("best_cost") is not None)]
        ran_ok = [r for r in recs if r["status"] != "skipped"]
        failed = [r for r in recs if r["status"] == "failed"]
        timed_out = [r for r in recs if r["status"] == "time limit"]
        skipped = [r for r in recs if r["status"] == "skipped"]
        reached = [r["reached_target"] for r in ran_ok if r.get("reached_target") is not None]
        calls = []
        for kind in _OTHER_CALLS:
            m = _median(r["counts"].get(kind, 0) for r in ran_ok)
            if m:
                calls.append(f"{kind} {m:g}")
        note = ""
        if skipped:
            note = skipped[0]["message"]
        elif failed:
            first = failed[0]
            note = first.get("error") or first.get("message") or first["status"]
        elif timed_out:
            note = timed_out[0].get("message") or "time limit"
        elif ran and all((r.get("train") or {}).get("pearson_r") is None for r in ran):
            note = next((r["train"]["undefined"] for r in ran if (r.get("train") or {}).get("undefined")), "")
        elif ran_ok and not any(r["success"] for r in ran_ok):
            # no run converged and none was stopped by the budget: say why the optimizer stopped
            own = [r.get("message") for r in ran_ok if r.get("stop") is None and r.get("message")]
            if own:
                note = max(set(own), key=own.count)
        rows.append({
            "dataset": ds, "network": net, "weights": recs[0].get("n_params"),
            "trainer": trainer, "family": recs[0].get("family", ""),
            "runs": len(recs), "failed": len(failed), "timed_out": len(timed_out), "skipped": len(skipped),
            "converged": (sum(bool(r["success"]) for r in ran_ok) / len(ran_ok)) if ran_ok else None,
            "reached": (sum(reached) / len(reached)) if reached else None,
            "best_cost": _median(r.get("best_cost") for r in ran),
            "pearson_r": _median((r.get("train") or {}).get("pearson_r") for r in ran),
            "test_r": _median((r.get("test") or {}).get("pearson_r") for r in ran),
            "wall_s": _median(r.get("wall_time_s") for r in ran_ok),
            "evals": _median(r.get("evaluations") for r in ran_ok),
            "calls": ", ".join(calls),
            "note": note,
        })
    order = {p: i for i, p in enumerate(problems(records))}
    floor = {}
    for p in order:
        start = _median(r.get("initial_cost") for r in records if (r["dataset_label"], r["network_label"]) == p)
        floor[p] = SOLVED_RELATIVE * start if start else 0.0

    def key(row: dict) -> tuple:
        p = (row["dataset"], row["network"])
        cost = row["best_cost"]
        # costs this far below the start are all "solved": rounding noise must not rank them
        return (order[p], cost is None, max(cost, floor[p]) if cost is not None else math.inf,
                row["wall_s"] if row["wall_s"] is not None else math.inf, row["trainer"].lower())

    return sorted(rows, key=key)


def trial_rows(records: Sequence[dict]) -> list[dict]:
    """One row per trial: dataset, network, trainer, seed, status, success, best cost,
    Pearson r (train, test), evaluations, wall seconds, stop reason, message; ordered by
    problem (first seen), trainer (first seen) and seed, whatever order the trials finished in."""
    problem_order = {p: i for i, p in enumerate(problems(records))}
    trainer_order: dict[str, int] = {}
    for r in records:
        trainer_order.setdefault(r["trainer"], len(trainer_order))
    records = sorted(records, key=lambda r: (problem_order[(r["dataset_label"], r["network_label"])],
                                             trainer_order[r["trainer"]], r["seed"]))
    return [{
        "dataset": r["dataset_label"], "network": r["network_label"], "trainer": r["trainer"],
        "seed": r["seed"], "status": r["status"], "success": r["success"],
        "best_cost": r.get("best_cost"), "pearson_r": (r.get("train") or {}).get("pearson_r"),
        "test_r": (r.get("test") or {}).get("pearson_r"),
        "evals": r.get("evaluations"), "wall_s": r.get("wall_time_s"),
        "stop": r.get("stop"), "message": (r.get("error") or r.get("message") or "")[:120],
    } for r in records]


def _fmt(v: Any, col: str) -> Any:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if col in ("converged", "reached") and isinstance(v, float):
        return f"{100 * v:.0f}%"
    if col in ("pearson_r", "test_r") and isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, float):
        return f"{v:.4g}" if col != "evals" else f"{v:g}"
    return v


_HEADERS = {"trainer": "trainer", "family": "family", "runs": "runs", "failed": "failed", "timed_out": "time limit",
            "skipped": "skipped", "converged": "converged", "reached": "target",
            "best_cost": "best cost", "pearson_r": "r", "test_r": "test r", "wall_s": "wall s",
            "evals": "evals", "calls": "other calls", "note": "note", "seed": "seed",
            "status": "status", "success": "success", "stop": "stop", "message": "message",
            "dataset": "dataset", "network": "network", "weights": "weights"}


def _visible(rows: list[dict], cols: list[str]) -> list[str]:
    """Drop optional columns that are empty in every row."""
    optional = {"reached", "test_r", "calls", "note", "stop", "timed_out"}
    # a target column stays when every run missed the target: 0% is the answer asked for
    return [c for c in cols if c not in optional or any(r.get(c) not in (None, "", 0) for r in rows)
            or (c == "reached" and any(r.get(c) is not None for r in rows))]


def tables(records: Sequence[dict], per_trial: bool = False) -> list[tuple[str, list[str], list[list[str]]]]:
    """The text tables of ``records``, one per problem: ``(title, headers, rows)``, cells
    formatted for display (strings, or ints for counts; ``"-"`` for a missing value), empty
    optional columns dropped.

    :param per_trial: one row per trial instead of the summary per trainer.
    """
    rows = trial_rows(records) if per_trial else summarize(records)
    cols = (["trainer", "seed", "status", "success", "best_cost", "pearson_r", "test_r", "evals", "wall_s", "stop", "message"]
            if per_trial else
            ["trainer", "family", "runs", "failed", "timed_out", "skipped", "converged", "reached", "best_cost", "pearson_r",
             "test_r", "wall_s", "evals", "calls", "note"])
    out = []
    for ds, net in problems(records):
        sub = [r for r in rows if r["dataset"] == ds and r["network"] == net]
        show = _visible(sub, cols)
        weights = next((r.get("n_params") for r in records if r["dataset_label"] == ds and r["network_label"] == net), None)
        out.append((f"{ds} | {net} | {weights} weights", [_HEADERS[c] for c in show],
                    [[_fmt(r.get(c), c) for c in show] for r in sub]))
    return out


def render(records: Sequence[dict], fmt: str = "plain", per_trial: bool = False) -> str:
    """The table of ``records`` as text.

    :param fmt: one of :data:`FORMATS`. Text formats give one table per problem (dataset
        and network) under a heading; ``csv`` and ``json`` give one long table with
        ``dataset`` and ``network`` columns.
    :param per_trial: one row per trial instead of the summary per trainer.
    :raises ConfigError: an unknown format.
    """
    fmt = check_format(fmt)
    if fmt in ("json", "csv"):
        rows = trial_rows(records) if per_trial else summarize(records)
        if fmt == "json":
            from nnbench.results import jsonable

            return json.dumps(jsonable(rows), indent=1)
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        return buf.getvalue()
    if not records:
        return "(no trials)\n"
    out = []
    for title, headers, rows in tables(records, per_trial):
        table = tabulate(rows, headers=headers, tablefmt=_TABULATE[fmt], disable_numparse=True)
        if fmt == "html":
            out.append(f"<h3>{html.escape(title)}</h3>\n{table}")
        elif fmt == "latex":
            out.append(f"% {title}\n{table}")
        elif fmt in ("github", "markdown"):
            out.append(f"### {title}\n\n{table}")
        else:
            out.append(f"{title}\n{table}")
    return "\n\n".join(out) + "\n"
