"""The comparison report: one self-contained HTML file, or a Markdown file with its images.

:func:`build` turns trial records (one or several results files) into a list of
:class:`Block` (headings, paragraphs, notes, tables, figures); :func:`to_html` and
:func:`write_markdown` render the same blocks. The HTML embeds every figure as a base64
PNG and its style inline, so it opens without a network. Measures come from
:mod:`nnbench.reporting.measures`, figures from :mod:`nnbench.reporting.plots`; without matplotlib the report
still has every table and says that the plots were left out.

Where a measure cannot be computed (every trial failed, a single seed, a single trainer),
the report says why at that place instead of showing an empty table or plot.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import html
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

from nnbench.reporting import measures as M
from nnbench.reporting.headline import Headline, headline
from nnbench.reporting.ranking import evaluation, median, row_label
from nnbench.errors import ConfigError, ResultsError
from nnbench.results.record import RunMetadata, TrialRecord, problem_labels
from nnbench.results.store import check_output_path, write_atomically
from nnbench import defaults
from nnbench.reporting.plots import TOP_CONSTRAINTS
from nnbench.reporting.tables import problems, tables
from nnbench.validation import check

__all__ = ["Block", "build", "render_figures", "to_html", "to_markdown", "write_html", "write_markdown", "REPORT_TAUS",
           "family_filter", "headline_blocks"]

#: Tables with more rows than this scroll in a box of about 30 rows, their header kept in view.
LONG_TABLE = 30

#: The precisions shown in the ERT and success tables (a subset of :data:`nnbench.reporting.measures.TAUS`).
REPORT_TAUS: tuple[float, ...] = (1e-1, 1e-3, 1e-5, 1e-7)


@dataclass
class Block:
    """One piece of a report.

    :param kind: ``"h1"``, ``"h2"``, ``"h3"``, ``"p"`` (a paragraph), ``"note"`` (why a
        measure is empty, highlighted), ``"table"``, ``"figure"`` or ``"filter"`` (the HTML's
        filter of table rows by family: ``rows`` are ``[row label, family]`` pairs, ``name``
        a remark after it; Markdown leaves it out); ``"section"``: a part not built yet
        (``make``), which :func:`render_figures` replaces by its blocks.
    :param text: the heading or paragraph text, or a table's / figure's caption.
    :param headers: a table's column names; :param rows: its rows of strings.
    :param png: a figure's PNG bytes; :param name: its file name stem (Markdown images).
    :param shades: a heat-map table's colour per cell, row by row as ``rows``: a value in
        [0, 1] (0 red, 0.5 white, 1 blue; ColorBrewer's RdBu ends) or ``None`` for none; the
        HTML colours the cells, Markdown shows the numbers only.
    """

    kind: str
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    png: bytes = b""
    name: str = ""
    #: a figure not drawn yet: the function that draws it (:func:`render_figures` calls it);
    #: a section's: the function that returns its blocks
    make: Any = field(default=None, repr=False, compare=False)
    #: a section's blocks once built (:func:`render_figures`)
    parts: list[Block] = field(default_factory=list, repr=False)
    shades: list[list[float | None]] = field(default_factory=list, repr=False)


def _g(v: object, digits: int = 4) -> str:
    if v is None:
        return "-"
    if isinstance(v, M.NA):
        return str(v) if v.reason else "n/a"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        return f"{v:.{digits}g}"
    return str(v)


def _iqr(v: tuple[float, float, float] | M.NA, fixed: bool = False) -> tuple[str, str]:
    """``(median, "[q1, q3]")`` (:func:`~nnbench.reporting.measures.median_iqr`) as text;
    ``fixed``: four decimals (for r and R^2)."""
    if isinstance(v, M.NA):
        return str(v), ""
    med, q1, q3 = v
    if fixed:
        return f"{med:.4f}", f"[{q1:.4f}, {q3:.4f}]"
    return _g(med), f"[{_g(q1, 3)}, {_g(q3, 3)}]"


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:.0f}% ({num}/{den})" if den else "-"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _meta_blocks(metas: Sequence[RunMetadata], sources: Sequence[str],
                 records_per_file: Sequence[int]) -> list[Block]:
    """The run metadata, one column per results file (fields as rows, so long values fit)."""
    cols = []
    for src, m, n in zip(sources, metas, records_per_file):
        blas = ", ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('num_threads')} threads)"
                         for b in m.blas)
        cols.append([_g(m.started), _g(m.command), str(n), _g(m.nnbench),
                     f"python {m.python}, numpy {m.numpy}, scipy {m.scipy}, pluggy {m.pluggy}",
                     f"{m.cpu} ({m.cpu_count} cores)", _g(m.platform), blas or "-", _g(m.blas_threads_per_trial)])
    fields = ["started (UTC)", "command", "trials", "nnbench", "versions", "CPU", "platform", "BLAS",
              "BLAS threads per trial"]
    rows = [[f] + [c[i] for c in cols] for i, f in enumerate(fields)]
    return [Block("h2", "Runs"),
            Block("table", "The results files combined in this report", ["field"] + [Path(s).name for s in sources],
                  rows)]


_HOW = ("How to read this report. An instance is a problem (dataset and network) with a seed: every "
        "trainer starts from the same weights x0 on it. f_best is the lowest cost any trainer reached on the "
        "instance, and a run reaches the relative target of precision tau when its best-so-far cost falls to "
        "f_best + tau (f(x0) - f_best) (Moré & Wild 2009). Success means reaching the target, read from the "
        "recorded history; the optimizer's own success flag is shown beside it as 'optimizer converged'. "
        "ERT (COCO's aRT, Hansen et al. 2021) is the evaluations spent by all runs, until the target for the "
        "runs that reached it and in full for the others, divided by the number of runs that reached it. "
        "Median [IQR] are over seeds; the confidence interval is a seeded percentile bootstrap of the median; "
        "p is a one-sided exact paired test (Wilcoxon signed-rank, or the sign test where costs tie) that a "
        "trainer's best costs are higher than the best trainer's on the same seeds, beside its effect size, the "
        "median paired cost ratio; p is Holm-corrected over all trainers compared. Skipped trials (a trainer that declined the "
        "problem) count nowhere.")


def _target_set(target_cost: float | None, taus: Sequence[float]) -> list[M.Target]:
    return [M.Target(value=target_cost)] if target_cost is not None else [M.Target(tau=t) for t in taus]


def _figure(blocks: list[Block], name: str, caption: str, make) -> None:
    """Append the figure ``make()`` will draw (:func:`render_figures`: a note of why there is
    none when it raises ``ValueError``)."""
    blocks.append(Block("figure", caption, name=name, make=make))


def _section(blocks: list[Block], make) -> None:
    """Append a part of the report that ``make()`` builds: a list of blocks (tables, notes,
    figures not drawn yet), built and drawn by :func:`render_figures`, in a forked process
    when there are many parts (a problem's statistics and figures, about 1 s)."""
    blocks.append(Block("section", make=make))


#: The parts of the report being built (figures and sections), for the forked processes of
#: :func:`render_figures`.
_PENDING: list[Any] = []

#: Parts worth fewer figures than this are built in this process (starting processes would
#: cost more); a section counts as :data:`SECTION_FIGURES` figures.
PARALLEL_FIGURES = 8
#: What a section (a problem's statistics and three or four figures) costs, in figures.
SECTION_FIGURES = 4


def _draw_figure(make) -> tuple[str, bytes | str]:
    """``("png", bytes)`` of the figure ``make()`` draws, or ``("none", why)``."""
    from nnbench.reporting import plots

    try:
        fig = make()
    except ValueError as exc:
        return "none", str(exc)
    return "png", plots.png(fig)


def _draw(index: int) -> tuple[int, tuple[str, Any]]:
    """``(index, result)`` of the pending part ``index``: a figure's ``("png", bytes)`` or
    ``("none", why)``; a section's ``("blocks", its blocks)``, each figure in it drawn."""
    kind, make = _PENDING[index]
    if kind != "section":
        return index, _draw_figure(make)
    parts = make()
    for block in parts:
        if block.kind == "figure" and block.make is not None:
            _settle(block, _draw_figure(block.make))
    return index, ("blocks", parts)


def _child() -> None:
    """A forked figure process: the signals as a fresh process has them (the parent's
    handlers, such as the command line's SIGTERM, would print tracebacks when the pool ends
    it); Ctrl-C is the parent's to handle."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _settle(block: Block, result: tuple[str, Any]) -> None:
    kind, value = result
    block.make = None
    if kind == "blocks":
        block.parts = value  # spliced in by render_figures
    elif isinstance(value, bytes):
        block.png = value
    else:
        block.kind, block.text = "note", f"No {block.text.split(':')[0].lower()}: {value}."


def render_figures(blocks: list[Block], jobs: int | None = None, progress: bool = False) -> None:
    """Build every part of ``blocks`` not built yet, in place: each ``"section"`` block
    (:func:`_section`) is replaced by its blocks, and every figure gets its PNG or becomes a
    note of why there is none. With ``jobs`` > 1 (default: the cores), on Linux and from
    :data:`PARALLEL_FIGURES` figures' worth of parts on, the parts are built by that many forked processes
    (each inherits the records, so nothing is pickled but the finished blocks), the
    sections first (the longest), and the result is the same as built here, in order.

    :param progress: show a tqdm progress bar of the parts on stderr.
    """
    todo = [b for b in blocks if b.make is not None and b.kind in ("figure", "section")]
    if todo:
        _build(todo, (os.cpu_count() or 1) if jobs is None else max(1, int(jobs)), progress)
    blocks[:] = [part for b in blocks for part in (b.parts if b.kind == "section" else (b,))]


def _build(todo: list[Block], jobs: int, progress: bool) -> None:
    import gc
    import multiprocessing

    from tqdm import tqdm

    bar = tqdm(total=len(todo), desc="report", unit="part", disable=not progress, leave=False)
    # the sections first: each is a problem's statistics and figures, so the processes end together
    order = sorted(range(len(todo)), key=lambda i: todo[i].kind != "section")
    _PENDING[:] = [(todo[i].kind, todo[i].make) for i in order]
    try:
        worth = sum(SECTION_FIGURES if b.kind == "section" else 1 for b in todo)
        if jobs > 1 and worth >= PARALLEL_FIGURES and "fork" in multiprocessing.get_all_start_methods() \
                and sys.platform.startswith("linux"):
            import warnings

            # one figure here first: it fills matplotlib's caches (fonts, text layouts), which
            # the forked processes then share
            first = next((k for k, (kind, _) in enumerate(_PENDING) if kind == "figure"), None)
            if first is not None:
                _settle(todo[order[first]], _draw(first)[1])
                bar.update()
            rest = [k for k in range(len(_PENDING)) if k != first]
            # the records and everything else made so far out of the collector's sight: the
            # children's collections would walk them all, and touch (copy) their pages
            gc.freeze()
            try:
                with warnings.catch_warnings():
                    # Python 3.12+ warns on fork in a process with threads (OpenBLAS's idle
                    # pool here); the children only draw with matplotlib's Agg and exit
                    warnings.simplefilter("ignore", DeprecationWarning)
                    pool = multiprocessing.get_context("fork").Pool(min(jobs, len(rest)), initializer=_child)
                try:
                    for k, result in pool.imap_unordered(_draw, rest):
                        _settle(todo[order[k]], result)
                        bar.update()
                    pool.close()
                finally:
                    pool.terminate()  # at once on an error or Ctrl-C; after close(), the workers are done
                    pool.join()
            finally:
                gc.unfreeze()
        else:
            for k in range(len(_PENDING)):
                _settle(todo[order[k]], _draw(k)[1])
                bar.update()
    finally:
        _PENDING.clear()
        bar.close()


def tuning_blocks(tunings: Sequence[M.Tuning], records: Sequence[TrialRecord], with_plots: bool) -> list[Block]:
    """The report's tuning section (``nnbench run --tune``): per problem and tuned trainer the
    tuning cost (configurations, trials, evaluations, seconds), the best configuration's
    median tuning cost, the median best cost of the trainer at its defaults and tuned on the
    evaluation seeds, and the expected best E_k over k = 1 .. N configurations
    (:func:`nnbench.reporting.measures.expected_best`), as a table and a curve.

    :param tunings: :func:`nnbench.reporting.measures.tuning_summary` of the records.
    :param records: the evaluation-phase records (for the default and tuned rows).
    """
    from nnbench.contract.variants import tuned_name

    def row_median(problem: tuple[str, str], label: str) -> float | None:
        return median(r.best_cost for r in records if r.problem == problem and row_label(r) == label and r.ran)

    blocks = [Block("h2", "Tuning"),
              Block("p", "Each trainer with a search space tried N configurations of a scrambled Sobol design on "
                         "tuning seeds apart from the evaluation seeds, and the one with the lowest median best cost "
                         "there ran on the evaluation seeds as TRAINER[tuned]. The tuning cost is what that took; "
                         "E_k is the expected best median tuning cost among k configurations drawn with replacement "
                         "from the N (Dodge et al. 2019, 'Show Your Work'): how much a smaller tuning budget "
                         "would have lost.")]
    rows = []
    for t in tunings:
        best = min((c for _, c, _ in t.configurations), default=math.inf)
        rows.append([f"{t.label[0]} | {t.label[1]}", t.trainer, str(len(t.configurations)), str(t.trials),
                     str(t.evaluations), _g(t.seconds, 3), _g(best), _g(row_median(t.problem, t.trainer)),
                     _g(row_median(t.problem, tuned_name(t.trainer)))])
    blocks.append(Block("table", "Tuning cost, and the default and tuned rows on the evaluation seeds (median best "
                                 "cost)", ["problem", "trainer", "configurations", "tuning trials", "evaluations",
                                           "seconds", "best tuning median", "default", "tuned"], rows))
    n = max(len(t.expected) for t in tunings)
    blocks.append(Block("table", "Expected best median tuning cost E_k of k configurations (Dodge et al. 2019)",
                        ["problem", "trainer"] + [f"k={k}" for k in range(1, n + 1)],
                        [[f"{t.label[0]} | {t.label[1]}", t.trainer] + [_g(e) for e in t.expected]
                         + ["-"] * (n - len(t.expected)) for t in tunings]))
    if with_plots:
        from nnbench.reporting import plots as P

        _figure(blocks, "expected-best", "Expected best tuning cost E_k against k configurations; lower is better, "
                "a curve still falling at k = N says a larger tuning budget would still pay",
                lambda: P.expected_best_plot(tunings))
    return blocks


def _panels_caption(measures: Sequence[str]) -> str:
    """What each panel of a figure counts (:data:`~nnbench.reporting.measures.MEASURE_LABEL`), for its caption."""
    return "; the panels, left to right: " + ", ".join(M.MEASURE_LABEL[m] for m in measures)


def _measures_of(runs: Sequence[M.Run], measures: Sequence[str]) -> list[str]:
    """``measures`` without ``"work"`` when a run lacks it (records written before work was counted)."""
    return [m for m in measures if m != "work" or all(math.isfinite(r.work) for r in runs)]


def _classification(records: Sequence[TrialRecord]) -> bool:
    """Whether ``records`` (one problem's) are of a classification problem: their ``task``
    (decided by the loss, :func:`nnbench.contract.problems.task_of`; older files' records get
    it from their loss when read), as the text tables decide (:func:`nnbench.reporting.tables.tables`)."""
    return any(r.task == "classification" for r in records)


def _problem_blocks(records: list[TrialRecord], runs: list[M.Run], instances: dict, targets: list[M.Target],
                    profile_target: M.Target, top: int, with_plots: bool, seed: int) -> list[Block]:
    blocks: list[Block] = []
    n = len(records)
    statuses = Counter(r.status for r in records)
    if not runs:
        why = "; ".join(sorted({r.message or r.status for r in records}))[:300]
        blocks.append(Block("note", f"No trial ran on this problem ({n} skipped: {why}), so no measure "
                                    "can be computed."))
        return blocks
    with_cost = [(r.best_cost, r) for r in runs if r.best_cost is not None]
    if not with_cost:
        errs = "; ".join(sorted({(r.record.error or r.record.message or r.record.status)[:120] for r in runs}))
        blocks.append(Block("note", f"No run evaluated a finite cost ({len(runs)} ran: "
                                    f"{', '.join(f'{k} {v}' for k, v in statuses.items())}; {errs}). Without a "
                                    "finite cost there is no f_best, hence no relative target: success rates, ERT, "
                                    "ECDFs, profiles, statistics and plots are all empty."))
        return blocks
    trainers = M.trainer_order(runs)
    seeds = sorted({r.seed for r in runs})
    comparisons = len(trainers) - 1
    if len(runs) == 1:
        blocks.append(Block("note", "A single run on this problem: statistics across seeds need at least two "
                                    "values (bootstrap) and paired seeds, and win rates need two trainers, so those "
                                    "columns say n/a."))
    elif comparisons and len(seeds) < M.seeds_needed(comparisons):
        need = M.seeds_needed(comparisons)
        blocks.append(Block("note", f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''} for {comparisons} "
                                    f"comparison{'s' if comparisons != 1 else ''} with the best: even a trainer worse "
                                    f"on every seed gets p = 2^-{len(seeds)}, which Holm's correction over "
                                    f"{comparisons} cannot bring below {M.SIGNIFICANCE:g}, so no verdict can be "
                                    f"'worse'; run with --seeds {need} or more."))

    # success by target, beside the optimizer's own flag
    rows = []
    for t in trainers:
        mine = [r for r in runs if r.trainer == t]
        cells = [t, str(len(mine)), _pct(sum(r.record.success for r in mine), len(mine))]
        for g in targets:
            cells.append(_pct(sum(M.hit(r, g.cost(instances[r.instance])) is not None for r in mine), len(mine)))
        rows.append(cells)
    blocks.append(Block("h3", "Success by target"))
    blocks.append(Block("table", "Share of runs that reached each target (from the recorded histories), and the "
                        "share whose optimizer reported success", ["trainer", "runs", "optimizer converged"]
                        + [f"reached {g.label}" for g in targets], rows))

    # ERT
    ert_rows = []
    for row in M.ert_table(runs, instances, targets):
        mine = [r for r in runs if r.trainer == row["trainer"]]
        secs = M.ert(mine, instances, profile_target, "seconds")
        ert_rows.append([row["trainer"]] + [f"{_g(row[g.label].value)} ({row[g.label].reached}/{row[g.label].runs})"
                                            for g in targets] + [_g(secs.value)])
    blocks.append(Block("h3", "Expected running time"))
    blocks.append(Block("table", "ERT in evaluations per target (runs that reached it / runs), and in seconds at "
                        f"{profile_target.label}; inf: no run reached the target",
                        ["trainer"] + [f"ERT {g.label}" for g in targets] + [f"ERT seconds {profile_target.label}"],
                        ert_rows))

    # statistics across seeds
    stat_rows = []
    compared = M.compare_to_best(runs, seed=seed)
    reasons = {str(row["p"]) for row in compared if row["verdict"] != "best"}
    same_na = len(reasons) == 1 and all(isinstance(row["p"], M.NA) for row in compared)
    for row in compared:
        if same_na and row["verdict"] != "best":
            row["p"] = row["p_holm"] = M.NA("")
        ci = row["ci"]
        stat_rows.append([row["trainer"], str(row["n"]), _g(row["median"]),
                          f"[{_g(row['q1'], 3)}, {_g(row['q3'], 3)}]" if row["q1"] is not None else "-",
                          str(ci) if isinstance(ci, M.NA) else f"[{_g(ci[0], 3)}, {_g(ci[1], 3)}]",
                          *(("reference", "1", "reference") if row["verdict"] == "best" else
                            (_g(row["p"], 3), _g(row["ratio"], 3), _g(row["p_holm"], 3))), row["verdict"]])
    blocks.append(Block("h3", "Best cost across seeds"))
    blocks.append(Block("table", f"Median, interquartile range and 95% bootstrap interval of the best cost; "
                        f"one-sided exact paired test that the trainer is worse than {trainers[0]} (the best by the "
                        f"ranking rule) on the same seeds (Wilcoxon signed-rank, or the sign test where costs tie), "
                        f"with its effect size, the median paired cost ratio (costs floored at the solved level); "
                        f"Holm-adjusted over the {comparisons} comparisons"
                        + (f"; every test is n/a: {next(iter(reasons))[5:-1]}" if same_na else ""),
                        ["trainer", "runs", "median best cost", "IQR", "95% CI of the median", "p (worse than best)",
                         "cost ratio", "p (Holm)", "verdict"], stat_rows))

    # fixed budget
    max_evals = max(r.evaluations for r in runs)
    budgets = M.budgets_125(max_evals)
    if budgets:
        fb = M.fixed_budget(runs, budgets)
        blocks.append(Block("h3", "Fixed budget"))
        blocks.append(Block("table", "Median best-so-far cost after 1, 2, 5 x 10^k evaluations",
                            ["trainer"] + [f"{b} evals" for b in budgets],
                            [[row["trainer"]] + [_g(row[b], 3) for b in budgets] for row in fb]))

    # final quality
    fq = M.final_quality(runs)
    has_test = any(not isinstance(row["test_mse"], M.NA) for row in fq)
    if _classification(records):
        cols = [("best_cost", "best cost"), ("train_accuracy", "acc")] + (
            [("test_accuracy", "test acc")] if has_test else [])
    else:
        cols = [("best_cost", "best cost"), ("train_pearson_r", "r"), ("train_r2", "R^2"), ("train_mse", "MSE")]
        if has_test:
            cols += [("test_pearson_r", "test r"), ("test_r2", "test R^2"), ("test_mse", "test MSE")]
    qrows = []
    for row in fq:
        cells = [row["trainer"]]
        for key, _ in cols:
            med, iqr = _iqr(row[key], fixed=key.endswith(("pearson_r", "r2", "accuracy")))
            cells.append(f"{med} {iqr}".strip())
        qrows.append(cells)
    blocks.append(Block("h3", "Final quality"))
    blocks.append(Block("table", "Median [IQR] over seeds at the best weights, training data"
                        + (" and test split" if has_test else " (no test split in this run)"),
                        ["trainer"] + [c[1] for c in cols], qrows))
    blocks += win_rate_blocks(runs)

    if with_plots:
        from nnbench.reporting import plots

        p = runs[0].label
        stem = _slug(f"{p[0]}-{p[1]}")
        blocks.append(Block("h3", "Figures"))
        blocks.append(Block("p", "Best-so-far cost against evaluations, work and seconds is at the top of the "
                                 "report (At a glance)."))
        ecdf_targets = _target_set(None, M.TAUS) if targets[0].tau is not None else targets
        on = _measures_of(runs, ("evaluations", "work"))
        _figure(blocks, f"{stem}-ecdf", "Runtime ECDF: the share of (run, target) pairs reached within each "
                f"budget of {' and of '.join(on)}; higher and further left is better, and the right end is the "
                "share ever reached" + _panels_caption(on),
                lambda: plots.runtime_ecdf_plot(runs, instances, ecdf_targets, on, top))
        _figure(blocks, f"{stem}-box", "Box plot: final best cost per trainer over seeds; further left is a lower "
                "cost, and a wide box a result that depends on the seed", lambda: plots.final_cost_box(runs))
        best = min(with_cost, key=lambda c: c[0])[1].record
        if best.task == "classification":
            caption = (f"Confusion matrix of the best trial ({row_label(best)}, seed {best.seed}): samples per "
                       "target class (rows) and predicted class (columns), coloured by the share of the row; the "
                       "diagonal holds the correct predictions")
        else:
            caption = (f"Predictions: the best trial ({row_label(best)}, seed {best.seed}) against the targets; "
                       "points on the dashed diagonal are predicted exactly")
        _figure(blocks, f"{stem}-predictions", caption, lambda: plots.predictions(best, p))
    return blocks


#: Trainers in a problem's win-rate table, best first by the ranking rule (the caption says
#: how many more there are).
WIN_RATE_TRAINERS = 30


def win_rate_blocks(runs: Sequence[M.Run]) -> list[Block]:
    """A problem's win rates (:func:`nnbench.reporting.measures.win_rate`) as a heat-map table:
    row i, column j = the share of shared seeds on which trainer i ends with a lower cost than
    trainer j (ties count 1/2), coloured blue (1) to red (0); the columns are numbered as the
    rows' ``#``. At most :data:`WIN_RATE_TRAINERS` trainers with a finite cost, best first.

    :param runs: one problem's runs.
    :returns: a heading and the table, or a note when fewer than two trainers have a finite cost.
    """
    order = [t for t in M.trainer_order(runs) if any(r.best_cost is not None for r in runs if r.trainer == t)]
    if len(order) < 2:
        return [Block("note", "No win rates: they need two trainers with a finite cost.")]
    trainers, w, _ = M.win_rate(runs, order[:WIN_RATE_TRAINERS])
    cells = [[None if math.isnan(v) else float(v) for v in row] for row in w.tolist()]
    more = len(order) - len(trainers)
    return [Block("h3", "Win rates"),
            Block("table", "Share of the shared seeds on which the row trainer ends with a lower cost than the "
                  "column trainer (ties count one half); columns numbered as the rows' #; a blue row beats most "
                  "others, a red row loses" + (f"; the best {len(trainers)} of {len(order)} trainers" if more else ""),
                  ["trainer", "#"] + [str(j + 1) for j in range(len(trainers))],
                  [[t, str(i + 1)] + ["-" if v is None else f"{v:.2f}" for v in row]
                   for i, (t, row) in enumerate(zip(trainers, cells))],
                  shades=[[None, None, *row] for row in cells])]


#: The ends and the middle of the heat-map tables' colours (ColorBrewer's RdBu: 0, 0.5, 1).
_SHADE_ENDS = ((178, 24, 43), (247, 247, 247), (33, 102, 172))


def _shade(value: float | None) -> str:
    """The style attribute of a heat-map cell of ``value`` in [0, 1] (``""`` for ``None``):
    its background interpolated linearly between :data:`_SHADE_ENDS`, white text on the
    darker ends (further than 0.35 from 0.5)."""
    if value is None:
        return ""
    v = min(1.0, max(0.0, value))
    low, high, f = (_SHADE_ENDS[0], _SHADE_ENDS[1], 2 * v) if v < 0.5 else (_SHADE_ENDS[1], _SHADE_ENDS[2], 2 * v - 1)
    rgb = "".join(f"{round(a + (b - a) * f):02x}" for a, b in zip(low, high))
    return f' style="background:#{rgb}{";color:#fff" if abs(v - 0.5) > 0.35 else ""}"'


def family_filter(records: Sequence[TrialRecord], figures: bool = True) -> Block:
    """The ``"filter"`` block of ``records``: each row label (:func:`~nnbench.reporting.ranking.row_label`)
    with its trainer's family; ``figures``: say that the figures stay as they are."""
    families: dict[str, str] = {}
    for r in records:
        families.setdefault(row_label(r), r.family)
    return Block("filter", "Show the table rows of the trainers of family",
                 name="(filters the tables, not the figures)" if figures else "",
                 rows=[[k, v] for k, v in families.items()])


def headline_blocks(h: Headline) -> list[Block]:
    """The report's headline (:func:`nnbench.reporting.headline.headline`): its explanation, the
    table of every trainer by AlgoPerf's score, and one sentence per problem."""
    headers, rows = h.table()
    return ([Block("h2", "Headline: which trainer to use"), Block("p", h.lead),
             Block("table", f"Every trainer by its score across the problems (evaluations to {h.target.label}); "
                            "click a column header to sort", headers, rows),
             Block("h3", "The fastest on each problem")]
            + [Block("p", f.sentence(h.target)) for f in h.problems]
            + [Block("h3", "How the score is computed"), Block("p", h.explanation)])


def _glance_blocks(h: Headline, records: Sequence[TrialRecord], runs_by_problem: dict[tuple[str, str], list[M.Run]],
                   top: int) -> list[Block]:
    """The figures to read first: the headline score's performance profiles and, per problem,
    the convergence of the best trainers (on evaluations)."""
    from nnbench.reporting import plots

    blocks = [Block("h2", "At a glance")]
    _figure(blocks, "headline-profile", "Performance profiles of the headline score: higher and further left is "
            "better; each curve is the share of problems a trainer solved within a factor alpha of the fastest "
            f"trainer's evaluations, and its area from 1 to {M.SCORE_MAX_RATIO:g}, divided by "
            f"{M.SCORE_MAX_RATIO - 1:g}, is its score", lambda: plots.score_profile_plot(h.matrix, [r.label for r in h.rows], h.target, top))
    labels = problem_labels(records)
    for problem, (ds, net) in labels.items():
        mine = runs_by_problem.get(problem, [])
        if not mine:
            continue
        on = _measures_of(mine, ("evaluations", "work", "seconds"))
        _figure(blocks, f"{_slug(f'{ds}-{net}')}-convergence", f"Convergence on {ds} | {net}: best-so-far cost "
                f"against {', '.join(on[:-1])} and {on[-1]} (median over seeds, band = interquartile range); lower "
                f"and further left is better; the {top} best by the ranking rule in colour"
                + _panels_caption(on),
                lambda mine=mine, on=on: plots.convergence(mine, on, top))
    return blocks


def build(records: Sequence[TrialRecord], metas: Sequence[RunMetadata] = (), sources: Sequence[str] = (),
          records_per_file: Sequence[int] = (), taus: Sequence[float] = REPORT_TAUS,
          profile_tau: float = defaults.PROFILE_TAU, target_cost: float | None = None, top: int = defaults.TOP,
          plots: bool | None = None, seed: int = 0, jobs: int | None = None,
          progress: bool = False, head: Headline | None = None) -> list[Block]:
    """The report's blocks, every figure drawn (:func:`render_figures`).

    :param records: trial records of one or more results files (:func:`nnbench.results.store.read_many`).
    :param metas: their metadata lines; :param sources: their file names;
        :param records_per_file: how many trials each holds (for the run table).
    :param taus: relative target precisions for the success and ERT tables.
    :param profile_tau: the precision of the performance and data profiles and the seconds ERT.
    :param target_cost: an absolute target cost instead of the relative ones.
    :param top: trainers drawn in colour in each figure.
    :param plots: draw the figures (``None``: if matplotlib is installed; ``True``: raise
        :class:`ConfigError` if it is not).
    :param seed: the bootstrap's seed.
    :param jobs: processes drawing the figures (default: the cores); :param progress: show
        their progress bar on stderr.
    :param head: the headline of these same ``records`` if the caller has it
        (:func:`nnbench.reporting.headline.headline`, as ``nnbench report`` prints it); used
        when its target is the report's (``profile_tau`` or ``target_cost``), else computed.
    :raises ConfigError: a bad ``profile_tau`` or ``top``, or ``plots=True`` without matplotlib.
    """
    blocks = _blocks(records, metas, sources, records_per_file, taus, profile_tau, target_cost, top, plots, seed, head)
    render_figures(blocks, jobs, progress)
    return blocks


def _blocks(records: Sequence[TrialRecord], metas: Sequence[RunMetadata], sources: Sequence[str],
            records_per_file: Sequence[int], taus: Sequence[float], profile_tau: float, target_cost: float | None,
            top: int, plots: bool | None, seed: int, head: Headline | None = None) -> list[Block]:
    """:func:`build`'s blocks, the figures not drawn yet."""
    check(profile_tau, M.TAU_CONSTRAINTS, "--tau")
    check(top, TOP_CONSTRAINTS, "--top")
    with_plots = False
    if plots is not False:
        try:
            from nnbench.reporting.plots import require

            require()
            with_plots = True
        except ConfigError:
            if plots:
                raise
            with_plots = False
    targets = _target_set(target_cost, taus)
    profile_target = M.Target(value=target_cost) if target_cost is not None else M.Target(tau=profile_tau)
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    statuses = Counter(r.status for r in records)
    blocks = [Block("h1", "nnbench report"),
              Block("p", f"{len(records)} trial{'s' if len(records) != 1 else ''} from {len(metas) or 1} results file{'s' if len(metas) > 1 else ''} "
                         f"({', '.join(f'{v} {k}' for k, v in statuses.items()) or 'none'}); generated {now}.")]
    tuning = M.tuning_summary(records)
    records = evaluation(records)  # the rows; the tuning trials have their own section
    runs = M.runs_of(records)
    instances = M.instances_of(runs)
    runs_by_problem: dict[tuple[str, str], list[M.Run]] = {}
    for run in runs:
        runs_by_problem.setdefault(run.problem, []).append(run)
    if records:
        blocks.append(family_filter(records))
        h = head if head is not None and head.target == profile_target else headline(records, profile_tau, target_cost)
        blocks += headline_blocks(h)
        if with_plots:
            blocks += _glance_blocks(h, records, runs_by_problem, top)
    if metas:
        blocks += _meta_blocks(metas, sources, records_per_file)
    blocks.append(Block("p", _HOW))
    if tuning:
        blocks += tuning_blocks(tuning, records, with_plots)
    if not with_plots:
        blocks.append(Block("note", "Plots left out: matplotlib is not installed (pip install 'nnbench[plots]')."))
    if not records:
        blocks.append(Block("note", "The results hold no trial, so there is nothing to compare."))
        return blocks
    by_problem: dict[tuple[str, str], list[TrialRecord]] = {}
    for r in records:
        by_problem.setdefault(r.problem, []).append(r)
    for problem, (title, headers, rows) in zip(problems(records), tables(records)):
        blocks.append(Block("h2", title))
        blocks.append(Block("table", "Summary per trainer (the table 'nnbench report' prints)", headers, rows))
        _section(blocks, functools.partial(_problem_blocks, by_problem[problem], runs_by_problem.get(problem, []),
                                           instances, targets, profile_target, top, with_plots, seed))

    blocks.append(Block("h2", "All problems: profiles"))
    solvable = [r for r in runs if profile_target.cost(instances[r.instance]) is not None]
    if len({r.trainer for r in solvable}) < 2:
        blocks.append(Block("note", "No profiles: performance and data profiles compare trainers, and fewer than two "
                                    "trainers have a run with a finite cost."))
    elif with_plots:
        from nnbench.reporting import plots as P  # the parameter ``plots`` is the flag

        blocks.append(Block("p", f"Over {len({r.instance for r in runs})} instances (problem x seed), target "
                                 f"{profile_target.label}. A performance profile (Dolan & Moré 2002) gives, for each "
                                 "trainer, the share of instances it solved within a factor alpha of the fastest "
                                 "trainer on that instance; a data profile (Moré & Wild 2009) the share solved within "
                                 "kappa x (weights + 1) evaluations. Failures never count as solved."))
        _figure(blocks, "performance-profiles", "Performance profiles: seconds and evaluations; higher and "
                "further left is better: the share of instances solved within a factor alpha of the fastest",
                lambda: P.performance_profile_plot(runs, instances, profile_target, top))
        _figure(blocks, "data-profile", "Data profile: the share of instances solved within kappa x (weights + 1) "
                "evaluations; higher and further left is better", lambda: P.data_profile_plot(runs, instances,
                                                                                             profile_target, top))
    return blocks


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1320px;
     color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccd;padding-bottom:.2em;margin-top:2em}
h3{margin-bottom:.3em;margin-top:1.4em}
table{border-collapse:collapse;font-size:12.5px;margin:.3em 0 1em 0}
th,td{border:1px solid #dde;padding:2px 7px;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}
th{background:#eef0f6;position:sticky;top:0}td.t,th.t{text-align:left}
td:last-child.t{white-space:normal;min-width:18em}tr:nth-child(even) td{background:#f8f9fc}
caption{caption-side:top;text-align:left;font-style:italic;color:#555;padding-bottom:.2em}
.note{background:#fff6dd;border-left:4px solid #e0a800;padding:.4em .8em;margin:.6em 0}
figure{margin:1em 0}figcaption{color:#555;font-style:italic}img{max-width:100%;height:auto}
nav{background:#f4f5f9;padding:.5em 1em;border-radius:4px}nav a{margin-right:1.2em}
.wide{overflow-x:auto}td{font-variant-numeric:tabular-nums}
th.sortable{cursor:pointer}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
.wide.long{max-height:34em;overflow-y:auto;display:inline-block;max-width:100%}
@media print{.wide.long{max-height:none;overflow:visible}}
td.worse{background:#fbdada!important;font-weight:600}td.better{background:#d9f2dc!important;font-weight:600}
form.filter{background:#eef0f6;padding:.3em .8em;border-radius:4px;display:inline-block;margin:.4em 0}
"""

#: The report's own script, inline (the page fetches nothing): click a column header to sort
#: its table (numbers by value, ``inf`` after every number, ``-`` and ``n/a`` last either
#: way; text alphabetically), and filter table rows by the family of their trainer (the
#: ``"filter"`` block's map of row labels to families, in ``#nnbench-families``).
_SCRIPT = """
(function () {
  function value(cell) {
    var s = cell.textContent.trim();
    if (s === "" || s === "-" || s.indexOf("n/a") === 0) return null;
    if (s.indexOf("inf") === 0) return Infinity;
    var f = s.match(/^(\\d+)\\/(\\d+)(\\s|$)/);
    if (f) return +f[2] ? f[1] / f[2] : null;
    var m = s.match(/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?/i);
    return m ? parseFloat(m[0]) : null;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.classList.add("sortable");
      th.title = "click to sort";
      th.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var text = th.classList.contains("t"), body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          if (text) {
            var c = a.cells[i].textContent.localeCompare(b.cells[i].textContent, undefined, {numeric: true});
            return up ? c : -c;
          }
          var x = value(a.cells[i]), y = value(b.cells[i]);
          if (x === null || y === null) return (x === null) - (y === null);
          return x === y ? 0 : (x < y) === up ? -1 : 1;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var map = document.getElementById("nnbench-families"), select = document.getElementById("nnbench-family");
  if (!map || !select) return;
  var family = JSON.parse(map.textContent);
  select.addEventListener("change", function () {
    var want = select.value;
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var col = -1;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        var h = th.textContent.replace(/[\\u25B2\\u25BC]/g, "").trim();
        if (col < 0 && (h === "trainer" || h === "variant")) col = i;
      });
      if (col < 0) return;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var f = family[row.cells[col].textContent];
        row.style.display = (want === "" || f === undefined || f === want) ? "" : "none";
      });
    });
  });
})();
"""


def _numeric(cell: object) -> bool:
    """Whether a table cell reads as a number (right-aligned): ``3``, ``1.2e-05``, ``67% (2/3)``,
    ``2/3``, ``-``, ``n/a``."""
    text = str(cell).strip()
    if text in ("-", "inf", "n/a", ""):
        return True
    head = text.split()[0].rstrip("%")
    num, slash, den = head.partition("/")
    if slash and num.isdigit() and den.isdigit():
        return True
    try:
        float(head)
    except ValueError:
        return False
    return True


def _verdict_class(cls: str, cell: object) -> str:
    """The cell's class attribute: its column's (``' class="t"'`` or ``""``), and ``worse`` or
    ``better`` for a cell that is that verdict (highlighted)."""
    if cell in ("worse", "better"):
        return f' class="{"t " if cls else ""}{cell}"'
    return cls


def to_html(blocks: Sequence[Block], title: str = "nnbench report") -> str:
    """One self-contained HTML page: style inline, figures as ``data:image/png;base64``."""
    e = html.escape
    toc = [b.text for b in blocks if b.kind == "h2"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
           f"<style>{_CSS}</style></head><body>"]
    for b in blocks:
        if b.kind == "h1":
            out.append(f"<h1>{e(b.text)}</h1>")
        elif b.kind == "h2":
            if b.text == toc[0]:
                out.append("<nav>" + "".join(f'<a href="#{_slug(t)}">{e(t)}</a>' for t in toc) + "</nav>")
            out.append(f'<h2 id="{_slug(b.text)}">{e(b.text)}</h2>')
        elif b.kind == "h3":
            out.append(f"<h3>{e(b.text)}</h3>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "note":
            out.append(f'<p class="note">{e(b.text)}</p>')
        elif b.kind == "table":
            text = [not all(_numeric(row[j]) for row in b.rows) for j in range(len(b.headers))]
            cls = [' class="t"' if t else "" for t in text]
            head = "".join(f"<th{c}>{e(h)}</th>" for c, h in zip(cls, b.headers))
            shades = b.shades or [[None] * len(b.headers)] * len(b.rows)
            body = "".join("<tr>" + "".join(f"<td{_verdict_class(c, v)}{_shade(h)}>{e(str(v))}</td>"
                                            for c, v, h in zip(cls, row, shade)) + "</tr>"
                           for row, shade in zip(b.rows, shades))
            long = len(b.rows) > LONG_TABLE  # a long table scrolls in its own box
            caption = e(b.text) + (f" ({len(b.rows)} rows: scroll inside the table)" if long else "")
            out.append(f'<div class="{"wide long" if long else "wide"}"><table class="sortable"><caption>{caption}'
                       f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
        elif b.kind == "filter":
            families = sorted({f for _, f in b.rows})
            data = json.dumps(dict(b.rows)).replace("<", "\\u003c")  # no "</script>" inside the script
            options = "".join(f'<option value="{e(f)}">{e(f)}</option>' for f in families)
            out.append(f'<form class="filter"><label>{e(b.text)} <select id="nnbench-family"><option value="">'
                       f"all</option>{options}</select></label> {e(b.name)}</form>"
                       f'<script type="application/json" id="nnbench-families">{data}</script>')
        elif b.kind == "figure":
            data = base64.b64encode(b.png).decode("ascii")
            out.append(f'<figure><img alt="{e(b.text)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(b.text)}</figcaption></figure>")
    out.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(out) + "\n"


def to_markdown(blocks: Sequence[Block]) -> tuple[str, dict[str, bytes]]:
    """``(markdown text, {image file name: PNG bytes})``; images are referenced by name."""
    out, images = [], {}
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append(f"{'#' * int(b.kind[1])} {b.text}")
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "note":
            out.append(f"> **Note.** {b.text}")
        elif b.kind == "table":
            out.append(f"*{b.text}*\n\n" + tabulate(b.rows, headers=b.headers, tablefmt="pipe", disable_numparse=True))
        elif b.kind == "figure":
            fname = f"{b.name}.png"
            images[fname] = b.png
            out.append(f"![{b.text}]({fname})")
    return "\n\n".join(out) + "\n", images


def _write(path: Path, data: str | bytes, what: str) -> None:
    """Write ``data`` to ``path`` whole or not at all (:func:`nnbench.results.store.write_atomically`).

    :raises ResultsError: ``--html r.html: cannot write: Permission denied``.
    """
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise ResultsError(f"{what} {path}: cannot write: {exc.strerror}") from None


def write_html(blocks: Sequence[Block], path: str | os.PathLike) -> Path:
    """Write the HTML report to ``path``; returns it.

    :raises ResultsError: the file cannot be written.
    """
    path = check_output_path(path, "--html")
    _write(path, to_html(blocks), "--html")
    return path


def write_markdown(blocks: Sequence[Block], directory: str | os.PathLike) -> Path:
    """Write ``DIR/report.md`` and its PNG images beside it; returns the ``.md`` path.

    :raises ResultsError: the directory or a file cannot be written.
    """
    d = check_output_path(directory, "--markdown", directory=True)
    text, images = to_markdown(blocks)
    for name, data in images.items():
        _write(d / name, data, "--markdown")
    _write(d / "report.md", text, "--markdown")
    return d / "report.md"
