"""Two runs of the same trials, paired: did a change make a trainer better or worse? (``nnbench compare``)

:func:`compare` pairs the trials of a BASE and a NEW results file that are the same trial: the
same data (its identity, ``data_id``, never its path), network, trainer, options and seed
(:attr:`nnbench.results.record.TrialRecord.key`, the resume key; versions, machine, times and
results may differ). A trial run more than once in a file is paired in file order; trials
without a partner are listed, never compared. Per problem and row
(:func:`nnbench.reporting.ranking.row_label`: the trainer, or its variant) it gives, for each
side, the median best cost, evaluations and seconds and the share of trials that reached the
relative target of precision ``tau`` (:data:`nnbench.defaults.PROFILE_TAU`; ``f_best`` is
the lowest cost either run reached on the instance), their ratios NEW / BASE, and a verdict
by one fixed rule:

* **worse** when the one-sided exact sign test that NEW's best costs are higher than BASE's
  on the paired seeds gives ``p <`` :data:`VERDICT_LEVEL` (0.05) **and** the median over the
  paired seeds of NEW's cost over BASE's exceeds :data:`VERDICT_RATIO` (1.1);
* **better** the mirror: the test that BASE's costs are higher gives ``p < 0.05`` and the
  median of BASE's cost over NEW's exceeds 1.1;
* **same** otherwise (so a file compared with itself is "same" everywhere).

Costs are floored at the problem's solved level (:func:`nnbench.reporting.ranking.solved_level`
over both runs' trials of the problem: below it the problem is solved and costs tie); a trial
that failed (the trainer raised: :func:`nnbench.reporting.measures.failures_unsolved`) or
evaluated no finite cost (or was skipped) has cost ``inf``, higher than every finite one
(:func:`nnbench.reporting.measures.paired_worse` with ``test="sign"``), and reached no target. With ``n`` paired
seeds the smallest p is ``2^-n``: 5 seeds at least for any verdict but "same". Each row is
tested on its own, with no correction over the rows: the ratio threshold keeps a small
difference from being called a change.

Seconds are compared only when both files come from the same machine
(:meth:`nnbench.results.record.RunMetadata.machine`); the differences between the two runs'
environments (versions, CPU, BLAS, platform, budgets) come first in every rendering.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from nnbench import defaults
from nnbench.contract.problems import TargetSpec
from nnbench.reporting import measures as M
from nnbench.reporting.html import Block, family_filter
from nnbench.reporting.ranking import evaluation, median, rank, row_label, solved_level
from nnbench.reporting.tables import check_format
from nnbench.results.record import RunMetadata, TrialRecord, jsonable, problem_labels
from nnbench.results.store import deduplicate

__all__ = ["VERDICT_LEVEL", "VERDICT_RATIO", "VERDICTS", "Side", "RowComparison", "Comparison", "compare",
           "verdict", "render", "blocks", "environment_differences"]

#: The verdict rule's level: a one-sided exact sign test must give p below it.
VERDICT_LEVEL = 0.05

#: The verdict rule's effect size: the median paired cost ratio must exceed it.
VERDICT_RATIO = 1.1

#: The verdicts, in the order they are counted.
VERDICTS: tuple[str, ...] = ("worse", "better", "same")

_RULE = (f"worse: the one-sided exact sign test that NEW's best costs are higher than BASE's on the paired seeds "
         f"gives p < {VERDICT_LEVEL:g} and the median paired cost ratio NEW/BASE exceeds {VERDICT_RATIO:g}; better: "
         f"the mirror (p < {VERDICT_LEVEL:g} that BASE's are higher, median BASE/NEW above {VERDICT_RATIO:g}); "
         "same otherwise. Costs are floored at the problem's solved level; a failed trial, or one without a finite "
         "cost, counts as the highest.")


@dataclass(frozen=True)
class Side:
    """One run's paired trials of one row on one problem.

    :param median_cost: median best cost of those with a finite one (``None`` if none).
    :param median_evals: median evaluations of those that ran; :param median_seconds: of their
        wall-clock seconds (``None`` if none ran).
    :param reached: trials that reached the target; :param trials: all of them.
    """

    median_cost: float | None
    median_evals: float | None
    median_seconds: float | None
    reached: int
    trials: int

    @property
    def success(self) -> float | None:
        """The share of trials that reached the target (``None`` without a trial)."""
        return self.reached / self.trials if self.trials else None


@dataclass(frozen=True)
class RowComparison:
    """One row (trainer or variant) on one problem in both runs.

    :param problem: the problem's display name; :param label: the row; :param family: its family.
    :param pairs: paired trials; :param base, new: each run's :class:`Side`.
    :param worse: the sign test that NEW's costs are higher (its ``ratio``: median NEW/BASE),
        or :class:`~nnbench.reporting.measures.NA`; :param better: the mirror (ratio BASE/NEW).
    :param evals_ratio: median evaluations NEW / BASE; :param seconds_ratio: median seconds
        NEW / BASE, ``None`` when the runs are from different machines or a median is missing or 0.
    :param verdict: one of :data:`VERDICTS` (:func:`verdict`).
    """

    problem: str
    label: str
    family: str
    pairs: int
    base: Side
    new: Side
    worse: M.PairedTest | M.NA
    better: M.PairedTest | M.NA
    evals_ratio: float | None
    seconds_ratio: float | None
    verdict: str

    @property
    def cost_ratio(self) -> float | None:
        """The median paired cost ratio NEW / BASE (floored at the solved level), or ``None``."""
        return self.worse.ratio if isinstance(self.worse, M.PairedTest) else None


@dataclass(frozen=True)
class Comparison:
    """The comparison of two results files (:func:`compare`).

    :param base_name, new_name: the files as named; :param environment: ``(field, BASE's, NEW's)``
        for every difference of the runs' environments (:func:`environment_differences`).
    :param same_machine: whether seconds are compared; :param machine: the fingerprint
        (both files') or why there is none in common.
    :param rows: per problem (first seen) and row (best first in BASE by the ranking rule).
    :param only_base, only_new: the trials without a partner, one line each (by problem, row, seed).
    :param paired: paired trials in all; :param target: the target of the success shares.
    """

    base_name: str
    new_name: str
    environment: list[tuple[str, str, str]]
    same_machine: bool
    machine: str
    rows: list[RowComparison]
    only_base: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    paired: int = 0
    target: M.Target = field(default_factory=lambda: M.Target(tau=defaults.PROFILE_TAU))

    def count(self, what: str) -> int:
        """Rows whose verdict is ``what``."""
        return sum(1 for r in self.rows if r.verdict == what)

    @property
    def worse(self) -> bool:
        """Whether any verdict is "worse" (``nnbench compare --fail`` exits 1)."""
        return self.count("worse") > 0

    @property
    def summary(self) -> str:
        """``"Verdicts: 1 worse (adam on tutorial | ...), 0 better, 3 same."``"""
        parts = []
        for what in VERDICTS:
            which = [f"{r.label} on {r.problem}" for r in self.rows if r.verdict == what]
            parts.append(f"{len(which)} {what}" + (f" ({'; '.join(which)})" if which and what != "same" else ""))
        return "Verdicts: " + ", ".join(parts) + "."


def verdict(worse: M.PairedTest | M.NA, better: M.PairedTest | M.NA) -> str:
    """The fixed rule of the module docstring: ``"worse"``, ``"better"`` or ``"same"``.

    :param worse: the one-sided sign test that NEW is worse (ratio NEW/BASE);
        :param better: that BASE is worse (ratio BASE/NEW).
    """
    for what, test in (("worse", worse), ("better", better)):
        if isinstance(test, M.PairedTest) and test.p < VERDICT_LEVEL and test.ratio > VERDICT_RATIO:
            return what
    return "same"


def _blas(meta: RunMetadata) -> str:
    return ", ".join(sorted(f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}, "
                            f"{b.get('num_threads')} threads)" for b in meta.blas)) or "-"  # in any order


def _budgets(records: Sequence[TrialRecord]) -> str:
    spelled = sorted({f"{b.max_evals} evaluations, " + (f"{b.max_seconds:g} s" if b.max_seconds else "no time limit")
                      for b in (r.budget for r in records)})
    return "; ".join(spelled) or "-"


def _targets(records: Sequence[TrialRecord]) -> str:
    """Each problem's target as its tables title it (``iris: accuracy >= 0.97``), or ``none``."""
    labels = problem_labels(records)
    spelled = {f"{labels[r.problem][0]}: " + ("none" if r.target is None else TargetSpec(r.target_metric, r.target).label)
               for r in records}
    return "; ".join(sorted(spelled)) or "-"


def environment_differences(base: RunMetadata, new: RunMetadata, base_records: Sequence[TrialRecord] = (),
                            new_records: Sequence[TrialRecord] = ()) -> list[tuple[str, str, str]]:
    """What differs between the two runs' environments: ``(field, BASE's, NEW's)`` for each of
    nnbench, numpy, scipy, pluggy and Python versions, the platform, CPU and cores, the BLAS
    libraries (version, SIMD kernels, threads), the BLAS threads per trial, the executor, each
    plugin's distribution and version and each trainer library's version
    (:meth:`RunMetadata.versions`, when recorded), every field of the metadata this nnbench does
    not know, and the trials' budgets and target costs. Values are text; equal fields are left out."""
    pairs: list[tuple[str, Any, Any]] = [
        ("nnbench", base.nnbench, new.nnbench), ("numpy", base.numpy, new.numpy), ("scipy", base.scipy, new.scipy),
        ("pluggy", base.pluggy, new.pluggy), ("python", base.python, new.python),
        ("platform", base.platform, new.platform), ("CPU", base.cpu, new.cpu),
        ("cores", base.cpu_count, new.cpu_count), ("BLAS", _blas(base), _blas(new)),
        ("BLAS threads per trial", base.blas_threads_per_trial, new.blas_threads_per_trial),
        ("executor", base.executor, new.executor)]
    versions = base.versions(), new.versions()
    for key in dict.fromkeys([*versions[0], *versions[1]]):  # plugins and libraries, when recorded
        pairs.append((key, versions[0].get(key), versions[1].get(key)))
    for key in sorted(set(base.extra) | set(new.extra)):
        pairs.append((key, json.dumps(base.extra.get(key), sort_keys=True), json.dumps(new.extra.get(key), sort_keys=True)))
    pairs += [("budget", _budgets(base_records), _budgets(new_records)),
              ("target", _targets(base_records), _targets(new_records))]
    return [(name, "-" if a is None else str(a), "-" if b is None else str(b)) for name, a, b in pairs
            if str(a) != str(b)]


def _machine(base: RunMetadata, new: RunMetadata) -> tuple[bool, str]:
    a, b = base.machine(), new.machine()
    if a is None or b is None:
        return False, "the CPU of a run was not recorded: seconds are not compared"
    if a != b:
        diff = ", ".join(f"{k} {a[k]} vs {b[k]}" for k in a if a[k] != b.get(k))
        return False, f"different machines ({diff}): seconds are not compared"
    simd = ", ".join(a["simd"]) or "no BLAS"
    return True, (f"the same machine ({a['cpu']}, {a['cpu_count']} cores, SIMD {simd}, {a['blas_threads_per_trial']} "
                  f"BLAS thread(s) per trial, executor {a['executor']}): seconds are compared")


def _ratio(a: float | None, b: float | None) -> float | None:
    """``b / a`` of two medians, or ``None`` if either is missing or ``a`` is 0."""
    if a is None or b is None or a == 0:
        return None
    return b / a


def _describe(r: TrialRecord, labels: dict) -> str:
    ds, net = labels[r.problem]
    return f"{ds} | {net} | {row_label(r)} | seed {r.seed}"


def compare(base: tuple[RunMetadata, Sequence[TrialRecord]], new: tuple[RunMetadata, Sequence[TrialRecord]],
            base_name: str = "BASE", new_name: str = "NEW", tau: float = defaults.PROFILE_TAU) -> Comparison:
    """Pair and compare two runs (see the module docstring).

    :param base, new: each file's ``(metadata, records)`` (:func:`nnbench.results.store.read_results`).
    :param base_name, new_name: their names for display.
    :param tau: the relative target's precision of the success shares.
    :returns: a :class:`Comparison`.
    :raises ConfigError: ``tau`` not in (0, 1].
    """
    target = M.Target(tau=tau)
    base_recs = evaluation(deduplicate(base[1]).records)
    new_recs = evaluation(deduplicate(new[1]).records)
    everything = base_recs + new_recs
    labels = problem_labels(everything)
    by_key: dict[str, list[TrialRecord]] = {}
    for r in new_recs:
        by_key.setdefault(r.key, []).append(r)
    pairs: list[tuple[TrialRecord, TrialRecord]] = []
    only_base: list[TrialRecord] = []
    for r in base_recs:
        partners = by_key.get(r.key)
        if partners:
            pairs.append((r, partners.pop(0)))
        else:
            only_base.append(r)
    only_new = [r for rs in by_key.values() for r in rs]
    runs = M.failures_unsolved(M.runs_of(everything))
    instances = M.instances_of(runs)
    run_of = {id(run.record): run for run in runs}
    same_machine, machine = _machine(base[0], new[0])

    def reached(r: TrialRecord) -> bool:
        run = run_of.get(id(r))  # a skipped trial has no run, and reached nothing
        return run is not None and M.hit(run, target.cost(instances[run.instance])) is not None

    def side(records: list[TrialRecord]) -> Side:
        ran = [r for r in records if r.ran]
        return Side(median(r.best_cost for r in ran), median(r.evaluations for r in ran),
                    median(r.wall_time_s for r in ran), sum(map(reached, records)), len(records))

    def cost(r: TrialRecord) -> float:
        return r.best_cost if r.best_cost is not None and r.status != "failed" else math.inf

    rows: list[RowComparison] = []
    for problem, (ds, net) in labels.items():
        mine = [(b, n) for b, n in pairs if b.problem == problem]
        if not mine:
            continue
        floor = solved_level([r for r in everything if r.problem == problem])
        for label in rank([b for b, _ in mine]):
            group = [(b, n) for b, n in mine if row_label(b) == label]
            b_cost = {i: cost(b) for i, (b, _) in enumerate(group)}
            n_cost = {i: cost(n) for i, (_, n) in enumerate(group)}
            worse = M.paired_worse(n_cost, b_cost, floor, test="sign")
            better = M.paired_worse(b_cost, n_cost, floor, test="sign")
            bs, ns = side([b for b, _ in group]), side([n for _, n in group])
            rows.append(RowComparison(f"{ds} | {net}", label, group[0][0].family, len(group), bs, ns, worse, better,
                                      _ratio(bs.median_evals, ns.median_evals),
                                      _ratio(bs.median_seconds, ns.median_seconds) if same_machine else None,
                                      verdict(worse, better)))
    place = {p: i for i, p in enumerate(labels)}

    def listed(records: list[TrialRecord]) -> list[str]:
        ordered = sorted(records, key=lambda r: (place[r.problem], row_label(r).lower(), r.seed))
        return [_describe(r, labels) for r in ordered]

    return Comparison(base_name, new_name, environment_differences(base[0], new[0], base_recs, new_recs),
                      same_machine, machine, rows, listed(only_base), listed(only_new), len(pairs), target)


# -- renderings -----------------------------------------------------------------------------

def _g(v: float | None, digits: int = 4) -> str:
    if v is None:
        return "-"
    if math.isinf(v):
        return "inf"
    return f"{v:.{digits}g}"


def _x(v: float | None) -> str:
    return "-" if v is None else ("inf" if math.isinf(v) else f"x{v:.3g}")


def _p(test: M.PairedTest | M.NA) -> str:
    return f"{test.p:.2g}" if isinstance(test, M.PairedTest) else str(test)


def _pct(s: Side) -> str:
    return "-" if s.success is None else f"{100 * s.success:.0f}%"


def _arrow(a: str, b: str, ratio: str | None = None) -> str:
    return f"{a} -> {b}" + (f" ({ratio})" if ratio and ratio != "-" else "")


_TEXT_HEADERS = ["trainer", "pairs", "best cost (median)", "evaluations", "seconds", "success", "p worse", "p better",
                 "verdict"]


def _text_row(r: RowComparison, same_machine: bool) -> list[str]:
    return [r.label, str(r.pairs), _arrow(_g(r.base.median_cost), _g(r.new.median_cost), _x(r.cost_ratio)),
            _arrow(_g(r.base.median_evals), _g(r.new.median_evals), _x(r.evals_ratio)),
            _arrow(_g(r.base.median_seconds, 3), _g(r.new.median_seconds, 3), _x(r.seconds_ratio))
            if same_machine else "n/a (other machine)",
            _arrow(_pct(r.base), _pct(r.new)), _p(r.worse), _p(r.better), r.verdict]


def _long_rows(c: Comparison) -> list[dict[str, Any]]:
    return [{"problem": r.problem, "trainer": r.label, "family": r.family, "pairs": r.pairs,
             "base_cost": r.base.median_cost, "new_cost": r.new.median_cost, "cost_ratio": r.cost_ratio,
             "base_evals": r.base.median_evals, "new_evals": r.new.median_evals, "evals_ratio": r.evals_ratio,
             "base_seconds": r.base.median_seconds, "new_seconds": r.new.median_seconds,
             "seconds_ratio": r.seconds_ratio, "base_success": r.base.success, "new_success": r.new.success,
             "p_worse": r.worse.p if isinstance(r.worse, M.PairedTest) else None,
             "p_better": r.better.p if isinstance(r.better, M.PairedTest) else None, "verdict": r.verdict}
            for r in c.rows]


def render(c: Comparison, fmt: str = "plain") -> str:
    """The comparison as text: the environment's differences first, then the trials only in one
    file, one table per problem, the verdicts and the rule. ``csv`` gives the long table only;
    ``json`` everything as one object.

    :param fmt: one of :data:`nnbench.reporting.tables.FORMATS`.
    :raises ConfigError: an unknown format.
    """
    fmt = check_format(fmt)
    if fmt == "json":
        return json.dumps(jsonable({"base": c.base_name, "new": c.new_name,
                                    "environment": [{"field": f, "base": a, "new": b} for f, a, b in c.environment],
                                    "same_machine": c.same_machine, "machine": c.machine, "paired": c.paired,
                                    "only_base": c.only_base, "only_new": c.only_new, "rows": _long_rows(c),
                                    "rule": _RULE}), indent=1) + "\n"
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        rows = _long_rows(c)
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(jsonable(rows))
        return buf.getvalue()
    style = {"plain": "simple", "github": "github", "markdown": "pipe", "html": "html", "latex": "latex"}[fmt]
    out = [f"nnbench compare: BASE {c.base_name} -> NEW {c.new_name}", "", "Environment (BASE -> NEW):"]
    if c.environment:
        out += [f"  {f}: {a} -> {b}" for f, a, b in c.environment]
    else:
        out.append("  no difference in versions, platform, CPU, BLAS, executor, budget or target")
    out.append(f"  machine: {c.machine}")
    out.append("")
    out.append(f"Trials: {c.paired} paired, {len(c.only_base)} only in BASE, {len(c.only_new)} only in NEW "
               "(listed, not compared)")
    for name, only in (("BASE", c.only_base), ("NEW", c.only_new)):
        if only:
            out.append(f"Only in {name}:")
            out += [f"  {t}" for t in only]
    for problem in dict.fromkeys(r.problem for r in c.rows):
        out.append("")
        out.append(problem)
        out.append(tabulate([_text_row(r, c.same_machine) for r in c.rows if r.problem == problem],
                            headers=_TEXT_HEADERS, tablefmt=style, disable_numparse=True))
    out += ["", c.summary, f"Rule: {_RULE}",
            f"Success: the share of trials that reached the {c.target.label} target (f_best over both runs). "
            "Evaluations, seconds and success are shown, not judged: the verdict reads the best costs."]
    return "\n".join(out) + "\n"


def blocks(c: Comparison, records: Sequence[TrialRecord] = ()) -> list[Block]:
    """The comparison as report blocks (:class:`nnbench.reporting.html.Block`) for
    :func:`nnbench.reporting.html.write_html`: environment, verdicts, one sortable table per
    problem, the unpaired trials.

    :param records: both runs' trials (for the family filter); none: no filter.
    """
    out = [Block("h1", "nnbench compare"),
           Block("p", f"BASE {c.base_name} against NEW {c.new_name}: {c.paired} paired trials, "
                      f"{len(c.only_base)} only in BASE, {len(c.only_new)} only in NEW."),
           Block("p", c.summary)]
    if records:
        out.append(family_filter(records, figures=False))
    out.append(Block("h2", "Environment"))
    if c.environment:
        out.append(Block("table", "What differs between the two runs", ["field", "BASE", "NEW"],
                         [list(e) for e in c.environment]))
    else:
        out.append(Block("p", "No difference in versions, platform, CPU, BLAS, executor, budget or target."))
    out.append(Block("p" if c.same_machine else "note", f"Machine: {c.machine}."))
    out += [Block("h2", "Verdicts"), Block("p", f"Rule: {_RULE} Evaluations, seconds and success are shown, not "
                                                "judged: the verdict reads the best costs.")]
    worse_or_better = [r for r in c.rows if r.verdict != "same"]
    if worse_or_better:
        out.append(Block("table", "The rows whose verdict is not 'same'", ["problem", "trainer", "verdict", "cost ratio",
                                                                           "p worse", "p better"],
                         [[r.problem, r.label, r.verdict, _g(r.cost_ratio, 3), _p(r.worse), _p(r.better)]
                          for r in worse_or_better]))
    headers = ["trainer", "verdict", "pairs", "BASE cost", "NEW cost", "cost ratio", "p worse", "p better",
               "BASE evals", "NEW evals", "evals ratio", "BASE s", "NEW s", "s ratio", "BASE success", "NEW success"]
    for problem in dict.fromkeys(r.problem for r in c.rows):
        out.append(Block("h2", problem))
        rows = [[r.label, r.verdict, str(r.pairs), _g(r.base.median_cost), _g(r.new.median_cost), _g(r.cost_ratio, 3),
                 _p(r.worse), _p(r.better), _g(r.base.median_evals), _g(r.new.median_evals), _g(r.evals_ratio, 3),
                 _g(r.base.median_seconds, 3), _g(r.new.median_seconds, 3),
                 _g(r.seconds_ratio, 3) if c.same_machine else "n/a", _pct(r.base), _pct(r.new)]
                for r in c.rows if r.problem == problem]
        out.append(Block("table", "Medians over the paired trials of each run, ratios NEW/BASE (cost: the median "
                         "paired ratio, floored at the solved level; s: seconds, on the same machine only), p: the "
                         f"one-sided sign tests, success: reached {c.target.label}; click a column header to sort",
                         headers, rows))
    for name, only in (("BASE", c.only_base), ("NEW", c.only_new)):
        if only:
            out.append(Block("h2", f"Only in {name}"))
            out.append(Block("table", "Trials without a partner in the other file (not compared)", ["trial"],
                             [[t] for t in only]))
    return out
