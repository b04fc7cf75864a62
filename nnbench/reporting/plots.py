"""Figures of a comparison (matplotlib, the optional extra ``nnbench[plots]``).

Every function returns a :class:`matplotlib.figure.Figure` drawn on the Agg canvas
(no pyplot, no window, no change to the user's backend); :func:`png` turns one into PNG
bytes. Matplotlib is imported on first use; without it :func:`require` raises a
:class:`~nnbench.errors.ConfigError` that says how to install it.

Readability with many trainers (the default suite has 26): the ``top`` best trainers of a
figure get distinct colours (matplotlib's ``tab10``) and a legend entry, drawn on top; the
others are thin grey lines under them, summarised by one legend entry. Legends sit outside
the axes, to the right. Box plots colour by trainer family instead.

The measures come from :mod:`nnbench.reporting.measures`; each docstring names the one it draws.
"""

from __future__ import annotations

import functools
import io
import math
from numbers import Integral
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnbench import defaults
from nnbench.reporting import measures as M
from nnbench.reporting.ranking import SOLVED_RELATIVE, row_label, solved_level
from nnbench.errors import ConfigError, DatasetError, NNBenchError
from nnbench.results.record import TrialRecord
from nnbench.validation import Interval

__all__ = ["require", "png", "confusion", "convergence", "runtime_ecdf_plot", "performance_profile_plot",
           "data_profile_plot", "score_profile_plot", "final_cost_box", "SOLVED_MARGIN", "predictions", "GREY",
           "TOP_CONSTRAINTS", "nan_quantiles"]

#: Colour of the trainers outside the top few.
GREY = "#b0b0b0"
#: What ``top`` takes: ``tab10`` has 9 colours besides its grey.
TOP_CONSTRAINTS = (Interval(Integral, 1, 9),)
_WIDTH = 10.0  # inches; 1000 px at the report's 100 dpi


def require() -> Any:
    """The ``matplotlib.figure`` module (imported on first use).

    :raises ConfigError: matplotlib is not installed, naming the extra to install.
    """
    try:
        import matplotlib.figure
        import matplotlib.backends.backend_agg  # the Agg canvas exists
    except ImportError:
        raise ConfigError("plots need matplotlib, which is not installed: "
                          "pip install 'nnbench[plots]'") from None
    return matplotlib.figure


def _figure(width: float = _WIDTH, height: float = 5.0) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # no layout engine: png() lays the figure out once with tight_layout; an engine makes
    # savefig draw the figure twice (constrained layout: half of a figure's 0.3-0.4 s)
    fig = require().Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def png(fig: Any, dpi: int = 100) -> bytes:
    """PNG bytes of ``fig``, laid out first by ``tight_layout`` (axes, their labels, legends
    outside the axes and the suptitle kept inside the figure).

    :param fig: a matplotlib ``Figure`` on the Agg canvas (:func:`_figure`).
    :param dpi: pixels per inch: the PNG is ``width x dpi`` by ``height x dpi`` pixels, RGBA.
    :returns: the PNG file's bytes.

    ``Figure.tight_layout`` leaves a placeholder layout engine on the figure. While any
    engine is set, ``savefig`` runs a whole extra draw (rendering switched off) before the
    real one. So the engine is removed after the layout (``set_layout_engine(None)``, with
    matplotlib's default ``figure.autolayout``), and the figure is drawn once."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not compatible with tight_layout": left as drawn
        fig.tight_layout()
    fig.set_layout_engine(None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


#: Superscript digits and minus: a tick label ``10⁻³`` is plain text, not mathtext.
_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


@functools.cache
def _power_formatter() -> type:
    """matplotlib's ``LogFormatterSciNotation`` (which ticks are labelled, and how: ``10^{-3}``,
    ``2\\times10^{-3}``) with the label written in plain text (``10⁻³``, ``2×10⁻³``) instead of
    mathtext: mathtext is parsed again for every figure (its cache belongs to the figure's
    renderer), a third of a convergence figure's time."""
    import re

    from matplotlib.ticker import LogFormatterSciNotation

    power = re.compile(r"\^\{(-?\d+)\}")

    class PowerLabels(LogFormatterSciNotation):
        def __call__(self, x: float, pos: int | None = None) -> str:
            s = super().__call__(x, pos)
            if not s.startswith("$"):
                return s
            s = s.strip("$").removeprefix("\\mathdefault{").removesuffix("}").replace("\\times", "\u00d7")
            return power.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), s)

    return PowerLabels


#: A log axis spanning more decades than this has no minor ticks: they would carry no label
#: (matplotlib labels minor ticks on spans of at most one decade) and cost a fifth of a
#: convergence figure's time (every tick is five artists, on every panel).
MINOR_TICK_DECADES = 3.0


def _in_view(locs: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """The tick locations within ``[vmin, vmax]`` (a relative tolerance of 1e-9 on a log
    scale): what matplotlib draws of what a ``LogLocator`` gives, which is also a decade or
    more beyond the view on either side. Every location becomes a tick, five artists, built
    and laid out whether it is drawn or not (a convergence panel's evaluations axis had 37
    ticks for 23 drawn)."""
    lo, hi = (vmin, vmax) if vmin <= vmax else (vmax, vmin)
    return locs[(locs >= lo * (1 - 1e-9)) & (locs <= hi * (1 + 1e-9))]


@functools.cache
def _log_locators() -> tuple[type, type]:
    """``(major, minor)``: matplotlib's ``LogLocator`` giving only the ticks in view
    (:func:`_in_view`), and its minor form, which gives none on a span of more than
    :data:`MINOR_TICK_DECADES` decades (``LogLocator`` itself stops at 10)."""
    from matplotlib.ticker import LogLocator

    class InView(LogLocator):
        def tick_values(self, vmin: float, vmax: float) -> Any:
            locs = np.asarray(super().tick_values(vmin, vmax))
            return _in_view(locs, vmin, vmax) if vmin > 0 and vmax > 0 else locs

    class MinorTicks(InView):
        def __init__(self, base: float, subs: Any) -> None:
            super().__init__(base, subs)
            self.log_base = base

        def tick_values(self, vmin: float, vmax: float) -> Any:
            if vmin > 0 and vmax > 0 and abs(math.log(vmax / vmin, self.log_base)) > MINOR_TICK_DECADES:
                return np.array([])
            return super().tick_values(vmin, vmax)

    return InView, MinorTicks


def _log(ax: Any, axis: str, base: float = 10, **kw: Any) -> None:
    """Make ``ax``'s ``axis`` (``"x"`` or ``"y"``) logarithmic, its tick labels in plain text
    (:func:`_power_formatter`), minor ticks only on spans of at most
    :data:`MINOR_TICK_DECADES` decades, only the ticks in view (:func:`_log_locators`); ``kw`` go to
    ``set_xscale``/``set_yscale``."""
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log", base=base, **kw)
    a = ax.xaxis if axis == "x" else ax.yaxis
    labels = _power_formatter()
    a.set_major_formatter(labels(base))
    a.set_minor_formatter(labels(base, labelOnlyBase=False))
    major, minor = _log_locators()
    a.set_major_locator(major(base))
    a.set_minor_locator(minor(base, subs=kw.get("subs") or "auto"))


def nan_quantiles(v: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Quantiles ``qs`` of each column of a 2-D float64 ``v``, NaNs left out: numpy's
    ``nanquantile(v, qs, axis=0)`` (method ``"linear"``, Hyndman & Fan's type 7) for columns
    with at least one number, in one sort instead of a Python loop over the columns (which
    took 80% of a convergence figure's time). An all-NaN column gives NaN.

    :returns: one float64 ``(v.shape[1],)`` array per quantile.
    """
    s = np.sort(v, axis=0)  # NaNs last
    n = np.count_nonzero(~np.isnan(v), axis=0)
    cols = np.arange(v.shape[1])
    out = []
    for q in qs:
        pos = np.maximum(n - 1, 0) * q
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        frac = pos - lo
        a, b = s[lo, cols], s[hi, cols]
        with np.errstate(invalid="ignore"):
            val = np.where(frac == 0, a, a + (b - a) * frac)
        out.append(np.where(n > 0, val, np.nan))
    return out


def _colours(order: Sequence[str], top: int) -> dict[str, tuple[float, float, float, float] | str]:
    """Trainer -> colour: ``tab10`` without its grey (RGBA tuples) for the first ``top`` (at
    most 9), :data:`GREY` for the rest."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    palette = [cmap(i) for i in range(10) if i != 7]
    return {t: (palette[i] if i < min(top, len(palette)) else GREY) for i, t in enumerate(order)}


def _grey_lines(ax: Any, lines: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
    """The trainers outside the top few: thin :data:`GREY` ``steps-post`` lines through each
    ``(x, y)`` of ``lines``, under the others, drawn as one ``LineCollection`` (one artist
    instead of one ``Line2D`` per trainer and panel; the steps by matplotlib's
    ``cbook.pts_to_poststep``, what ``drawstyle="steps-post"`` draws)."""
    if not lines:
        return
    from matplotlib import cbook
    from matplotlib.collections import LineCollection

    segments = [cbook.pts_to_poststep(x, y).T for x, y in lines]
    ax.add_collection(LineCollection(segments, colors=GREY, linewidths=0.8, zorder=1), autolim=True)
    ax.autoscale_view()


def _bands(ax: Any, bands: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, Any]], alpha: float = 0.12) -> None:
    """Shade between ``low`` and ``high`` over ``x`` in ``colour`` for each ``(x, low, high,
    colour)`` of ``bands``, as ``fill_between(x, low, high, step="post", lw=0)`` does (the steps
    by ``cbook.pts_to_poststep``), in one ``PolyCollection`` under the lines (one artist per
    panel instead of one per trainer; ``fill_between`` was 7% of the figures' time)."""
    if not bands:
        return
    from matplotlib import cbook
    from matplotlib.collections import PolyCollection

    polygons = []
    for x, low, high, _ in bands:
        xs, lows, highs = cbook.pts_to_poststep(x, low, high)
        polygons.append(np.column_stack([np.concatenate([xs, xs[::-1]]), np.concatenate([highs, lows[::-1]])]))
    ax.add_collection(PolyCollection(polygons, facecolors=[c for *_, c in bands], alpha=alpha, linewidths=0,
                                     zorder=2), autolim=True)
    ax.autoscale_view()


def _legend(fig: Any, ax: Any, order: Sequence[str], top: int, handles: Mapping[str, Any]) -> None:
    """The legend right of ``ax``: the first ``top`` trainers of ``order`` with their line in
    ``handles`` (trainer -> artist; ``None`` for one drawn grey), then one entry for the rest
    of the trainers in ``handles``."""
    from matplotlib.lines import Line2D

    shown = [handles[t] for t in order[:top] if handles.get(t) is not None]
    labels = [t for t in order[:top] if handles.get(t) is not None]
    rest = len([t for t in order[top:] if t in handles])
    if rest:
        shown.append(Line2D([], [], color=GREY, lw=1))
        labels.append(f"{rest} other trainer{'s' if rest != 1 else ''}")
    if shown:
        ax.legend(shown, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  frameon=False, title="best first", title_fontsize=8)


def _suptitle(fig: Any, text: str, fontsize: float = 11) -> None:
    """The figure's title, wrapped at spaces when it is wider than the figure (measured with
    the figure's renderer): a long problem name, ``iris std=features test=0.25 | h5 tanh
    out=softmax cross_entropy | 43 weights: ...``, ran off both edges. ``tight_layout``
    leaves room for every line."""
    import textwrap

    title = fig.suptitle(text, fontsize=fontsize)
    room = 0.98 * fig.bbox.width
    width = title.get_window_extent(fig.canvas.get_renderer()).width
    chars = len(text)
    while width > room and chars > 20:
        chars = max(20, min(chars - 1, int(chars * room / width)))
        title.set_text(textwrap.fill(text, width=chars, break_long_words=False, break_on_hyphens=False))
        width = title.get_window_extent(fig.canvas.get_renderer()).width


def _problem_title(problem: M.Problem, n_params: int | None = None) -> str:
    return f"{problem[0]} | {problem[1]}" + (f" | {n_params} weights" if n_params else "")


def _curve(run: M.Run, grid: np.ndarray, col: int) -> np.ndarray:
    h = run.history
    out = np.full(grid.shape, np.nan)
    if h.shape[0] == 0:
        return out
    idx = np.searchsorted(h[:, col], grid, side="right") - 1
    ok = idx >= 0
    out[ok] = h[idx[ok], 2]
    return out


#: How far below the solved level a cost axis goes: below it every cost is "solved" and equal.
SOLVED_MARGIN = 1e3


def _solved_region(ax: Any, level: float, axis: str = "y") -> None:
    """Shade the costs below the solved level (:func:`nnbench.reporting.ranking.solved_level`)
    and end the cost axis :data:`SOLVED_MARGIN` below it, so that noise far below the solved
    level (costs of 1e-30 on a problem whose minimum is 0) does not squeeze the rest."""
    if not level > 0:
        return
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    bottom = level / SOLVED_MARGIN
    if lo >= level:
        return
    lo = max(lo, bottom)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(lo, hi)
    span = ax.axhspan if axis == "y" else ax.axvspan
    span(lo, level, color=GREY, alpha=0.18, lw=0, zorder=0)
    where = (0.01, level) if axis == "y" else (level, 0.01)
    ax.annotate(f"solved (below {SOLVED_RELATIVE:g} of the start cost)", where,
                xycoords=("axes fraction", "data") if axis == "y" else ("data", "axes fraction"),
                fontsize=7, color="#555", va="top" if axis == "y" else "bottom",
                ha="left" if axis == "y" else "right", rotation=0 if axis == "y" else 90)


def _measures(measures: str | Sequence[str]) -> list[str]:
    """``measures`` as a list, each checked (:func:`nnbench.reporting.measures.check_measure`).

    :raises ValueError: an unknown measure, or none.
    """
    out = [measures] if isinstance(measures, str) else list(measures)
    if not out:
        raise ValueError("no measure")
    for m in out:
        M.check_measure(m)
    return out


def _panels(fig: Any, n: int) -> list[Any]:
    """``n`` axes side by side sharing the y axis (the y tick labels on the first only)."""
    return list(fig.subplots(1, n, sharey=True, squeeze=False)[0])


def convergence(runs: Sequence[M.Run], measures: str | Sequence[str] = "evaluations", top: int = defaults.TOP) -> Any:
    """Best-so-far cost against evaluations, work or seconds on one problem (COCO's
    fixed-budget view as curves): per trainer, the median over its runs (line) and the
    interquartile range (band, top trainers only), both axes logarithmic; one panel per
    measure, side by side, sharing the cost axis and one legend (the same colour per trainer).

    A run that stopped keeps its final best until the trainer's longest run ends, where
    the trainer's curve ends. The cost axis ends :data:`SOLVED_MARGIN` below the solved
    level (:func:`nnbench.reporting.ranking.solved_level`), shaded: lower costs leave the plot.

    :param runs: the runs of one problem (:func:`nnbench.reporting.measures.runs_of`).
    :param measures: one or more of ``"evaluations"``, ``"seconds"`` and ``"work"``
        (:data:`~nnbench.reporting.measures.MEASURES`), a panel each, left to right.
    :raises ValueError: no run has a history, or an unknown measure.
    """
    panels = _measures(measures)
    with_h = [r for r in runs if r.history.shape[0]]
    if not with_h:
        raise ValueError("no run evaluated a finite cost")
    order = M.trainer_order(runs)
    colours = _colours(order, top)
    fig = _figure(height=5.5 if len(panels) == 1 else 5.0)
    axes = _panels(fig, len(panels))
    handles: dict[str, Any] = {}
    for ax, measure in zip(axes, panels):
        col = M.MEASURE_COLUMN[measure]
        lo = min(float(r.history[0, col]) for r in with_h)
        hi = max(float(r.history[-1, col]) if measure != "seconds" else r.seconds for r in with_h)
        lo = max(lo, 1.0 if measure != "seconds" else 1e-6)
        hi = max(hi, lo * 10, float(max(M.spent(r, measure) for r in with_h)) if measure != "seconds" else hi)
        grid = np.geomspace(lo, hi, 300)
        grey: list[tuple[np.ndarray, np.ndarray]] = []
        bands: list[tuple[np.ndarray, np.ndarray, np.ndarray, Any]] = []
        for rank, t in reversed(list(enumerate(order))):
            mine = [r for r in with_h if r.trainer == t]
            if not mine:
                continue
            end = max(M.spent(r, measure) for r in mine)
            g = grid[grid <= max(end, grid[0])]
            v = np.vstack([_curve(r, g, col) for r in mine])
            keep = ~np.isnan(v).all(axis=0)
            g, v = g[keep], v[:, keep]
            if g.size == 0:
                continue
            q1, med, q3 = nan_quantiles(v, (0.25, 0.5, 0.75))
            if rank >= top:
                grey.append((g, med))
                handles[t] = None
                continue
            (handles[t],) = ax.plot(g, med, color=colours[t], lw=2.0, zorder=3 + top - rank, drawstyle="steps-post")
            if len(mine) > 1:
                bands.append((g, q1, q3, colours[t]))
        _grey_lines(ax, grey)
        _bands(ax, bands)
        _log(ax, "x")
        # side by side, the long labels would run into each other: the caption says what each counts
        ax.set_xlabel(M.MEASURE_LABEL[measure] if len(panels) == 1 else measure)
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes:
        _log(ax, "y", nonpositive="mask")
    _solved_region(axes[0], solved_level([r.record for r in runs]))
    axes[0].set_ylabel("best cost so far (loss, log scale)")
    n_seeds = len({r.seed for r in runs})
    what = (f"median over {n_seeds} seed{'s' if n_seeds != 1 else ''}"
            + (", band = interquartile range" if n_seeds > 1 else ""))
    if len(panels) == 1:
        axes[0].set_title(f"Best-so-far cost vs {panels[0]}: {what}", fontsize=10)
        _suptitle(fig, _problem_title(runs[0].label, runs[0].n_params), fontsize=11)
    else:
        _suptitle(fig, f"{_problem_title(runs[0].label, runs[0].n_params)}: best-so-far cost, {what}", fontsize=11)
    _legend(fig, axes[-1], order, top, handles)
    return fig


def runtime_ecdf_plot(runs: Sequence[M.Run], instances: Mapping, targets: Sequence[M.Target],
                      measures: str | Sequence[str] = "evaluations", top: int = defaults.TOP) -> Any:
    """Runtime ECDFs (:func:`nnbench.reporting.measures.runtime_ecdf`) of each trainer on one
    problem: share of (run, target) pairs reached against the budget, log x axis; one panel
    per measure, side by side, sharing the share axis and one legend (trainers ordered by
    their area under the first panel's ECDF, the COCO aggregate).

    :param measures: one or more of :data:`~nnbench.reporting.measures.MEASURES`, a panel each.
    :raises ValueError: no target can be computed (no run evaluated a finite cost), or an
        unknown measure.
    """
    panels = _measures(measures)
    if all(g.cost(instances[r.instance]) is None for r in runs for g in targets):
        raise ValueError("no target: no run evaluated a finite cost")
    trainers = M.trainer_order(runs)
    curves: dict[str, dict[str, np.ndarray]] = {}
    budgets: dict[str, np.ndarray] = {}
    for measure in panels:
        col_hi = max(M.spent(r, measure) for r in runs)
        lo = 1.0 if measure != "seconds" else max(1e-6, min((r.history[0, 1] for r in runs if r.history.shape[0]),
                                                            default=1e-6))
        budgets[measure] = b = np.geomspace(lo, max(col_hi, lo * 10), 400)
        curves[measure] = {t: M.runtime_ecdf([r for r in runs if r.trainer == t], instances, targets, b, measure)
                           for t in trainers}
    # order by area under the ECDF (the COCO aggregate), best first
    first = panels[0]
    order = sorted(trainers, key=lambda t: -float(np.trapezoid(curves[first][t], np.log(budgets[first]))))
    colours = _colours(order, top)
    fig = _figure(height=5.0)
    axes = _panels(fig, len(panels))
    handles: dict[str, Any] = {}
    for ax, measure in zip(axes, panels):
        grey = []
        for rank, t in reversed(list(enumerate(order))):
            if rank >= top:
                grey.append((budgets[measure], curves[measure][t]))
                handles[t] = None
                continue
            (handles[t],) = ax.plot(budgets[measure], curves[measure][t], drawstyle="steps-post", color=colours[t],
                                    lw=2.0, zorder=3 + top - rank)
        _grey_lines(ax, grey)
        _log(ax, "x")
        ax.set_xlabel("budget: " + (M.MEASURE_LABEL[measure] if len(panels) == 1 else measure))
        ax.grid(True, alpha=0.3)
    axes[0].set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("share of (run, target) pairs reached")
    taus = [g.label for g in targets]
    what = f"Runtime ECDF over {len(targets)} targets ({taus[0]} ... {taus[-1]}) and {len({r.seed for r in runs})} seeds"
    if len(panels) == 1:
        axes[0].set_title(what, fontsize=10)
        _suptitle(fig, _problem_title(runs[0].label, runs[0].n_params), fontsize=11)
    else:
        _suptitle(fig, f"{_problem_title(runs[0].label, runs[0].n_params)}: {what[0].lower()}{what[1:]}", fontsize=11)
    _legend(fig, axes[-1], order, top, handles)
    return fig


def _profile_order(rho: np.ndarray, trainers: Sequence[str]) -> list[str]:
    """Best first: most instances solved in the end, then the largest area under the profile."""
    area = rho.mean(axis=0)
    return [trainers[j] for j in sorted(range(len(trainers)), key=lambda j: (-rho[-1, j], -area[j]))]


def _profile_axes(ax: Any, x: np.ndarray, rho: np.ndarray, trainers: Sequence[str], top: int,
                  order: Sequence[str] | None = None) -> tuple[list, dict]:
    order = list(order) if order is not None else _profile_order(rho, trainers)
    colours = _colours(order, top)
    handles = {}
    for rank, t in reversed(list(enumerate(order))):
        j = trainers.index(t)
        hl = rank < top
        (handles[t],) = ax.plot(x, rho[:, j], drawstyle="steps-post", color=colours[t],
                                lw=2.0 if hl else 0.8, zorder=3 + top - rank if hl else 1)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    return order, handles


def performance_profile_plot(runs: Sequence[M.Run], instances: Mapping, target: M.Target, top: int = defaults.TOP) -> Any:
    """Dolan & Moré (2002) performance profiles on seconds (left) and on evaluations
    (right) over every instance (problem x seed) in ``runs``; failures count as infinite.

    :raises ValueError: no trainer reached the target on any instance.
    """
    profiles = {}
    for measure in ("seconds", "evaluations"):
        keys, trainers, t = M.runtime_matrix(runs, instances, target, measure)
        finite = np.isfinite(t)
        if not finite.any():
            raise ValueError(f"no trainer reached the target {target.label} on any instance")
        best = t.min(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(finite & (t > best), t / best, 1.0)[finite]
        alphas = np.geomspace(1.0, max(2.0, float(ratios.max()) * 1.5), 400)
        profiles[measure] = (alphas, M.performance_profile(t, alphas), trainers)
    order = _profile_order(profiles["seconds"][1], profiles["seconds"][2])  # one colour per trainer in both
    fig = _figure(height=4.8)
    axes = fig.subplots(1, 2, sharey=True)
    handles: dict = {}
    for ax, (measure, (alphas, rho, trainers)) in zip(axes, profiles.items()):
        _, handles = _profile_axes(ax, alphas, rho, trainers, top, order)
        _log(ax, "x", base=2)
        ax.set_xlabel(f"ratio alpha to the fastest ({measure})")
        ax.set_title(f"on {measure}", fontsize=10)
    axes[0].set_ylabel("share of instances solved within alpha")
    n_inst = len({r.instance for r in runs})
    _suptitle(fig, f"Performance profiles (Dolan & Moré 2002), target {target.label}, "
                   f"{n_inst} instances (problem x seed); failures count as never solved", fontsize=11)
    _legend(fig, axes[1], order, top, handles)
    return fig


def score_profile_plot(t: np.ndarray, labels: Sequence[str], target: M.Target, top: int = defaults.TOP,
                       max_ratio: float = M.SCORE_MAX_RATIO) -> Any:
    """The performance profiles (:func:`nnbench.reporting.measures.performance_profile`) behind
    the headline score (:func:`nnbench.reporting.measures.profile_score`): the share of
    problems each trainer solved within a factor alpha of the fastest, for alpha from 1 to
    ``max_ratio`` on a linear axis, so that each curve's area over the axis divided by
    ``max_ratio - 1`` is the trainer's score (in the legend).

    :param t: float64 ``(n_problems, n_trainers)`` runtimes, ``inf`` where never solved.
    :param labels: the trainers (columns of ``t``), best score first: the first ``top`` get colours.
    :raises ValueError: no trainer solved any problem.
    """
    t = np.asarray(t, dtype=np.float64)
    if not np.isfinite(t).any():
        raise ValueError(f"no trainer reached the target {target.label} on any problem")
    alphas = np.linspace(1.0, max_ratio, 601)
    rho = M.performance_profile(t, alphas)
    score = M.profile_score(t, max_ratio)
    names = [f"{c} ({s:.2f})" for c, s in zip(labels, score)]
    # with few problems many curves coincide: the coloured ones are drawn up to 0.015 apart
    k = min(top, len(names))
    shift = np.zeros(len(names))
    if k > 1:
        shift[:k] = np.linspace(0.015, -0.015, k)
    fig = _figure(height=4.8)
    ax = fig.add_subplot()
    _, handles = _profile_axes(ax, alphas, rho + shift[None, :], names, top, names)
    ax.set_xlim(1.0 - 0.02 * (max_ratio - 1), max_ratio)  # the step at alpha = 1 stays visible
    ax.set_xlabel(f"ratio alpha of evaluations to the fastest trainer on the problem (1 to {max_ratio:g})")
    ax.set_ylabel("share of problems solved within alpha")
    _suptitle(fig, f"The headline score's performance profiles: evaluations to {target.label}, {t.shape[0]} "
                   f"problem{'s' if t.shape[0] != 1 else ''}", fontsize=11)
    ax.set_title(f"score = area / {max_ratio - 1:g} (in the legend); coloured curves drawn up to 0.015 apart "
                 "where they coincide", fontsize=9)
    _legend(fig, ax, names, top, handles)
    return fig


def data_profile_plot(runs: Sequence[M.Run], instances: Mapping, target: M.Target, top: int = defaults.TOP) -> Any:
    """Moré & Wild (2009) data profile: share of instances solved within ``kappa`` budgets
    of ``n_params + 1`` evaluations, log x axis.

    :raises ValueError: no trainer reached the target on any instance.
    """
    keys, trainers, t = M.runtime_matrix(runs, instances, target, "evaluations")
    if not np.isfinite(t).any():
        raise ValueError(f"no trainer reached the target {target.label} on any instance")
    n = [instances[k].n_params for k in keys]
    units = t / (np.asarray(n, dtype=np.float64)[:, None] + 1)
    hi = max(float(np.max(units[np.isfinite(units)])) * 1.5, 2.0)
    lo = max(min(float(np.min(units[np.isfinite(units)])), 1.0) / 1.5, 1e-3)
    kappas = np.geomspace(lo, hi, 400)
    d = M.data_profile(t, n, kappas)
    fig = _figure(height=4.8)
    ax = fig.add_subplot()
    order, handles = _profile_axes(ax, kappas, d, trainers, top)
    _log(ax, "x")
    ax.set_xlabel("budget kappa, in units of (weights + 1) evaluations")
    ax.set_ylabel("share of instances solved")
    _suptitle(fig, f"Data profile (Moré & Wild 2009), target {target.label}, {len(keys)} instances", fontsize=11)
    _legend(fig, ax, order, top, handles)
    return fig


def final_cost_box(runs: Sequence[M.Run]) -> Any:
    """Box plot of the final best cost per trainer on one problem (best median at the top,
    log x axis, coloured by family); a trainer without a finite cost is listed as such. Costs
    below the solved level are drawn at it (the ranking rule ties them), in a shaded region.

    :raises ValueError: no run has a finite best cost.
    """
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    order = M.trainer_order(runs)
    level = solved_level([r.record for r in runs])
    # below the solved level costs tie (the ranking rule): drawn at it, not decades apart
    data = {t: [max(r.best_cost, level) for r in runs if r.trainer == t and r.best_cost is not None
                and max(r.best_cost, level) > 0] for t in order}
    order = [t for t in order if data[t]]
    if not order:
        raise ValueError("no run evaluated a finite positive cost")
    fams = sorted({r.family for r in runs})
    cmap = colormaps["tab10"]
    fcol = {f: cmap(i % 10) for i, f in enumerate(fams)}
    family = {r.trainer: r.family for r in runs}
    fig = _figure(height=max(3.0, 0.28 * len(order) + 1.5))
    ax = fig.add_subplot()
    ys = list(range(len(order), 0, -1))
    _log(ax, "x")
    _boxes(ax, [data[t] for t in order], ys, [fcol[family[t]] for t in order])
    ax.set_yticks(ys, order, fontsize=8)
    if level > 0:
        ax.set_xlim(level / 10, ax.get_xlim()[1])
    _solved_region(ax, level, "x")
    ax.set_xlabel("best cost reached (loss, log scale; lower is better)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend([Patch(color=fcol[f], alpha=0.6) for f in fams], fams, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, title="family", title_fontsize=8)
    n_seeds = len({r.seed for r in runs})
    _suptitle(fig, f"{_problem_title(runs[0].label, runs[0].n_params)}: final best cost over {n_seeds} "
                   f"seed{'s' if n_seeds != 1 else ''}", fontsize=11)
    return fig


def _boxes(ax: Any, data: Sequence[Sequence[float]], ys: Sequence[float], colours: Sequence[Any],
           height: float = 0.6) -> None:
    """Horizontal box plots of ``data`` at heights ``ys``, as ``Axes.boxplot`` draws them
    (``matplotlib.cbook.boxplot_stats``: the box from the first to the third quartile, the
    median, whiskers to the furthest point within 1.5 IQR, the points beyond as fliers), but
    as three artists in all (the boxes, the lines, the fliers) instead of seven per box, which
    made a 26-trainer box plot 0.1-0.3 s to build; the x axis autoscaled to the data, the y
    axis half a box spacing beyond the first and last."""
    from matplotlib import cbook
    from matplotlib.collections import LineCollection, PolyCollection

    h = height / 2
    boxes, lines, fliers = [], [], []
    for stats, y in zip(cbook.boxplot_stats([np.asarray(d, dtype=float) for d in data]), ys):
        q1, q3, med, lo, hi = stats["q1"], stats["q3"], stats["med"], stats["whislo"], stats["whishi"]
        boxes.append([(q1, y - h), (q3, y - h), (q3, y + h), (q1, y + h)])
        lines += [[(med, y - h), (med, y + h)], [(lo, y), (q1, y)], [(q3, y), (hi, y)],
                  [(lo, y - h / 2), (lo, y + h / 2)], [(hi, y - h / 2), (hi, y + h / 2)]]
        fliers += [(x, y) for x in stats["fliers"]]
    # zorder 2, Axes.boxplot's: above the grid lines
    ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors="black", alpha=0.6, linewidths=1, zorder=2))
    ax.add_collection(LineCollection(lines, colors="black", linewidths=1, zorder=2))
    if fliers:
        fx, fy = zip(*fliers)
        ax.plot(fx, fy, "o", markerfacecolor="none", markeredgecolor="black", markersize=6, linestyle="none")
    ax.autoscale_view(scaley=False)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)


def expected_best_plot(tunings: Sequence[M.Tuning]) -> Any:
    """The expected best tuning cost E_k against the number k of configurations drawn
    (:func:`nnbench.reporting.measures.expected_best`, Dodge et al. 2019), one line per
    problem and tuned trainer, log y axis.

    :raises ValueError: no tuning with a finite, positive E_k.
    """
    curves = [(f"{t.trainer} on {_problem_title(t.label)}", t.expected) for t in tunings
              if np.any(np.isfinite(t.expected) & (t.expected > 0))]
    if not curves:
        raise ValueError("no tuning reached a finite positive cost")
    fig = _figure(height=4.0)
    ax = fig.add_subplot()
    for label, e in curves:
        k = np.arange(1, e.size + 1)
        ok = np.isfinite(e) & (e > 0)
        ax.plot(k[ok], e[ok], marker="o", ms=3, label=label)
    _log(ax, "y")
    ax.set_xlabel("k, configurations drawn with replacement from the N tried")
    ax.set_ylabel("expected best median tuning cost E_k")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    _suptitle(fig, "Expected best tuning cost against the tuning budget (Dodge et al. 2019)", fontsize=11)
    return fig


def _data_for(record: TrialRecord) -> tuple[Any, Any]:
    """``(train, test)`` as the record's trial trained on, from the registered datasets
    (bundled, and those of installed plugins) or its CSV file.

    :raises DatasetError: the data cannot be loaded, or is not the data the trial ran on
        (its identity, :meth:`nnbench.datasets.Catalog.identity`, is not the record's ``data_id``).
    """
    from nnbench.contract.plugins import registry_for

    catalog = registry_for().catalog()
    if record.data_id is not None and catalog.identity(record.dataset) != record.data_id:
        raise DatasetError(f"{record.dataset.source} is no longer the data the trial ran on "
                           "(its bytes or nnbench's data version changed)")
    return catalog.prepare(record.dataset)


def predictions(record: TrialRecord, problem: tuple[str, str] | None = None) -> Any:
    """Predictions against targets for one trial at its best weights (training data, and
    the test split if there is one). On regression: a scatter of predictions against targets
    with Pearson r (``record.train.pearson_r``) and the identity line. On a classification
    task: a confusion matrix per split (:func:`confusion`), with the class accuracy. The
    network is rebuilt from the record (:meth:`nnbench.core.network.NetworkSpec.build`), the
    data from its dataset description.

    :param problem: the problem's display name (a :class:`~nnbench.reporting.measures.Run`'s
        ``label``); default the record's own dataset and network labels.

    :raises ValueError: the record has no best weights, or its data cannot be loaded
        (the message says why); on classification, targets that are not classes
        (:class:`~nnbench.errors.ConfigError`, a ``ValueError``).
    """
    if record.best_x is None:
        raise ValueError("the trial has no best weights")
    try:
        train, test = _data_for(record)
    except (NNBenchError, OSError, TypeError) as exc:
        raise ValueError(f"its data cannot be loaded again: {exc}") from None
    net = record.network.build(record.sizes[0], record.sizes[-1])
    theta = np.asarray(record.best_x, dtype=np.float64)
    title = problem or (record.dataset_label, record.network_label)
    if record.task == "classification":
        fig = confusion(record, [(name, data.y, net.predict(theta, data.X))
                                 for name, data in (("train", train), ("test", test)) if data is not None])
        _suptitle(fig, f"{_problem_title(title)}: confusion matrix of the best trial ({row_label(record)}, "
                       f"seed {record.seed})", fontsize=11)
        return fig
    fig = _figure(width=6.5, height=5.0)
    ax = fig.add_subplot()
    parts = [("train", train, "o", "tab:blue")] + ([("test", test, "s", "tab:orange")] if test is not None else [])
    lo, hi = math.inf, -math.inf
    for name, data, marker, colour in parts:
        y = np.asarray(data.y, dtype=np.float64).ravel()
        p = net.predict(theta, data.X).ravel()
        fit = getattr(record, name)
        r = fit.pearson_r if fit is not None else None
        label = f"{name} ({y.size} samples), r = {r:.4f}" if r is not None else f"{name}, r undefined"
        ax.scatter(y, p, s=18 if y.size > 50 else 40, marker=marker, alpha=0.6, color=colour, label=label)
        lo, hi = min(lo, y.min(), p.min()), max(hi, y.max(), p.max())
    pad = 0.05 * (hi - lo or 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="grey", lw=1, ls="--", label="prediction = target")
    ax.set_xlabel("target y (as trained: after standardization, if any)")
    ax.set_ylabel("network prediction")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{row_label(record)}, seed {record.seed}: best cost {record.best_cost:.4g}", fontsize=10)
    _suptitle(fig, f"{_problem_title(title)}: predictions of the best trial", fontsize=11)
    return fig


#: Classes up to which a confusion matrix writes its counts in the cells.
CONFUSION_COUNTS_UP_TO = 20


def confusion(record: TrialRecord, splits: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> Any:
    """Confusion matrices of a classifier, one panel per split: row ``i``, column ``j`` counts
    the samples of target class ``i`` predicted as class ``j`` (the classes as
    :func:`nnbench.core.fit.class_indices` reads them, so the diagonal's share is the
    accuracy of the tables), coloured by the share of its row; a last column ``non-finite``
    where some predictions were not finite. Cells hold their counts up to
    :data:`CONFUSION_COUNTS_UP_TO` classes.

    :param record: the trial (its ``classes`` name the rows and columns when there are as many
        as the matrix has; else ``0 .. K-1``).
    :param splits: ``(name, y, pred)`` per panel: targets and the network's outputs, float
        ``(n_samples, K)`` or ``(n_samples,)`` for one sigmoid output.
    :returns: the figure (:func:`_figure`).
    :raises ConfigError: targets that are not classes (:func:`~nnbench.core.fit.class_indices`).
    """
    from nnbench.core.fit import class_accuracy, class_indices

    indices = [class_indices(y, pred) for _, y, pred in splits]
    y0 = np.asarray(splits[0][1])
    k = y0.shape[1] if y0.ndim == 2 and y0.shape[1] > 1 else 2  # one sigmoid output: classes 0 and 1
    names = list(record.classes) if record.classes and len(record.classes) == k else [str(i) for i in range(k)]
    side = min(7.0, 2.5 + 0.3 * k)
    fig = _figure(width=min(_WIDTH, max(6.5, 1.0 + side * len(splits))), height=side + 1.0)
    axes = fig.subplots(1, len(splits), squeeze=False)[0]
    for ax, (name, y, pred), (target, predicted) in zip(axes, splits, indices, strict=True):
        bad = bool((predicted < 0).any())
        counts = np.zeros((k, k + bad), dtype=np.int64)
        np.add.at(counts, (target, np.where(predicted < 0, k, predicted)), 1)
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        if k <= CONFUSION_COUNTS_UP_TO:
            for (i, j), c in np.ndenumerate(counts):
                ax.text(j, i, str(c), ha="center", va="center", fontsize=8 if k > 10 else 9,
                        color="white" if share[i, j] > 0.6 else "black")
        ax.set_xticks(range(k + bad), names + (["non-finite"] if bad else []), rotation=90 if k > 6 else 0,
                      fontsize=8)
        ax.set_yticks(range(k), names, fontsize=8)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("target class")
        ax.set_title(f"{name} ({target.size} samples), acc = {class_accuracy(y, pred):.4f}", fontsize=10)
    return fig
