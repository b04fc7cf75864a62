"""The figures: what each one draws, its labels, the grey-out of the many, and clear errors."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest
from _records import trial

import nnbench
from nnbench.reporting import measures as M
from nnbench.reporting import plots as P
from nnbench.errors import ConfigError


def _recs(n_trainers=3, seeds=3):
    """Trainer k reaches cost 10**-(n_trainers - k) at evaluation 10 * (k + 1), from 1.0."""
    out = []
    for k in range(n_trainers):
        for s in range(seeds):
            best = 10.0 ** -(n_trainers - k) * (1 + 0.1 * s)
            out.append(trial(f"t{k:02d}", s, family=f"fam{k % 3}", n_params=4, initial_cost=1.0, best_cost=best,
                             evaluations=20 * (k + 1), wall_time_s=0.01 * (k + 1),
                             history=[[1, 0.001, 1.0], [10 * (k + 1), 0.005 * (k + 1), best]]))
    return out


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_convergence_median_lines_and_labels():
    runs = M.runs_of(_recs())
    fig = P.convergence(runs, "evaluations")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "evaluations" in ax.get_xlabel() and "best cost" in ax.get_ylabel()
    assert _legend_texts(ax) == ["t00", "t01", "t02"]  # best first: t00 ends lowest
    line = {l.get_color(): l for l in ax.get_lines()}
    medians = [l.get_ydata()[-1] for l in ax.get_lines()]
    assert sorted(medians) == pytest.approx([1e-3 * 1.1, 1e-2 * 1.1, 1e-1 * 1.1])  # median of the 3 seeds
    assert len(line) == 3
    # the interquartile bands, one polygon per trainer in one collection, drawn as post steps: t00's
    # (drawn last, the best) ends between the quartiles 1.05e-3 and 1.15e-3 of its three seeds
    (bands,) = [c for c in ax.collections if c.get_paths() and len(c.get_paths()) == 3]
    band = bands.get_paths()[-1].vertices
    assert band[:, 1].min() == pytest.approx(1e-3 * 1.05) and band[:, 1].max() == pytest.approx(1.0)
    np.testing.assert_allclose(band[band[:, 0] == band[:, 0].max(), 1], [1.15e-3, 1.15e-3, 1.05e-3, 1.05e-3])
    fig_s = P.convergence(runs, "seconds")
    assert "seconds" in fig_s.axes[0].get_xlabel()
    assert P.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_many_trainers_top_coloured_rest_grey():
    runs = M.runs_of(_recs(n_trainers=12, seeds=1))
    ax = P.convergence(runs, top=4).axes[0]
    texts = _legend_texts(ax)
    assert texts == ["t00", "t01", "t02", "t03", "8 other trainers"]
    colours = [l.get_color() for l in ax.get_lines()]
    assert len(colours) == len(set(colours)) == 4 and P.GREY not in colours
    # the other 8: one grey collection of 8 step lines, each ending at its trainer's best cost
    (grey,) = ax.collections[-1:]
    from matplotlib.colors import to_hex

    assert [to_hex(c) for c in grey.get_colors()] == [P.GREY]
    ends = sorted(seg[-1, 1] for seg in grey.get_segments())
    assert ends == pytest.approx([10.0 ** -(12 - k) for k in range(4, 12)])
    # steps-post: the value holds until the next x
    seg = grey.get_segments()[0]
    assert (seg[1::2, 1] == seg[0:-1:2, 1]).all() and (seg[1::2, 0] == seg[2::2, 0]).all()


def test_profiles_and_ecdf_share_one_colour_per_trainer():
    recs = _recs()
    recs[0] = dataclasses.replace(recs[0], history=[(1, 0.001, 1.0, 1.0)], best_cost=1.0)  # t00 fails on seed 0
    runs = M.runs_of(recs)
    inst = M.instances_of(runs)
    fig = P.performance_profile_plot(runs, inst, M.Target(tau=0.5))
    left, right = fig.axes[:2]
    assert "seconds" in left.get_xlabel() and "evaluations" in right.get_xlabel()
    def by_colour(ax):
        return sorted(tuple(l.get_ydata()[-1] for l in ax.get_lines() if l.get_color() == c)
                      for c in {l.get_color() for l in ax.get_lines()})
    # each trainer ends at the same share in both panels: 2/3 for t00, 1 for the others
    assert by_colour(left) == by_colour(right) == [(2 / 3,), (1.0,), (1.0,)]
    dp = P.data_profile_plot(runs, inst, M.Target(tau=0.5))
    assert "weights + 1" in dp.axes[0].get_xlabel()
    ecdf = P.runtime_ecdf_plot(runs, inst, [M.Target(tau=t) for t in M.TAUS])
    assert ecdf.axes[0].get_ylim() == pytest.approx((-0.02, 1.02))


def test_box_plot():
    runs = M.runs_of(_recs())
    box = P.final_cost_box(runs)
    assert [t.get_text() for t in box.axes[0].get_yticklabels()] == ["t00", "t01", "t02"]
    assert _legend_texts(box.axes[0]) == ["fam0", "fam1", "fam2"]
    # t00 (at y = 3, the top) ended at 1e-3 x (1, 1.1, 1.2): its box from the quartiles 1.05e-3
    # to 1.15e-3, its median at 1.1e-3, its whiskers to the extremes, no fliers
    boxes, lines = box.axes[0].collections[:2]
    np.testing.assert_allclose(boxes.get_paths()[0].vertices[:4], [[1.05e-3, 2.7], [1.15e-3, 2.7], [1.15e-3, 3.3],
                                                                    [1.05e-3, 3.3]])
    np.testing.assert_allclose(lines.get_segments()[0], [[1.1e-3, 2.7], [1.1e-3, 3.3]])
    np.testing.assert_allclose(lines.get_segments()[1], [[1e-3, 3], [1.05e-3, 3]])
    np.testing.assert_allclose(lines.get_segments()[2], [[1.15e-3, 3], [1.2e-3, 3]])
    assert box.axes[0].get_ylim() == (0.5, 3.5) and not box.axes[0].get_lines()


def test_predictions_of_a_real_trial():
    suite = nnbench.Suite(problems=[(nnbench.DatasetSpec("tutorial"), nnbench.NetworkSpec((2,), bias=False))],
                          trainers="BFGS", seeds=[0], budget=nnbench.Budget(200))
    (rec,) = nnbench.run(suite).records
    ax = P.predictions(rec).axes[0]
    assert any(t.startswith("train (4 samples), r = 1.0000") for t in _legend_texts(ax))
    xy = ax.collections[0].get_offsets()
    np.testing.assert_allclose(xy[:, 0], [1, 0, 0, 1])  # the tutorial's targets
    np.testing.assert_allclose(xy[:, 1], [1, 0, 0, 1], atol=1e-3)
    with pytest.raises(ValueError, match="cannot be loaded again"):
        P.predictions(dataclasses.replace(rec, dataset=nnbench.DatasetSpec("/nonexistent/data.csv")))


def test_predictions_of_a_classifier_are_its_confusion_matrices():
    suite = nnbench.Suite(problems=[(nnbench.DatasetSpec("iris", standardize="features", test_size=0.3),
                                     nnbench.NetworkSpec((8,), output_activation="softmax", loss="cross_entropy"))],
                          trainers="L-BFGS-B", seeds=[0], budget=nnbench.Budget(300))
    (rec,) = nnbench.run(suite).records
    fig = P.predictions(rec)
    train, test = fig.axes
    for ax, fit, n in ((train, rec.train, 105), (test, rec.test, 45)):
        counts = np.array([int(t.get_text()) for t in ax.texts]).reshape(3, 3)
        assert counts.sum() == n and counts.trace() / n == pytest.approx(fit.accuracy, abs=1e-15)
        assert ax.get_title() == f"{'train' if ax is train else 'test'} ({n} samples), acc = {fit.accuracy:.4f}"
        assert [t.get_text() for t in ax.get_yticklabels()] == ["setosa", "versicolor", "virginica"]
    assert rec.test.accuracy < 1.0  # the figure shows a mistake somewhere


def test_confusion_counts_non_finite_predictions_apart():
    rec = trial(trainer="BFGS", seed=0, task="classification", classes=("no", "yes"))
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    pred = np.array([0.2, 0.9, 0.4, np.nan, 0.8])
    ax = P.confusion(rec, [("train", y, pred)]).axes[0]
    counts = [int(t.get_text()) for t in ax.texts]
    # rows: target no, yes; columns: predicted no, yes, non-finite
    assert counts == [1, 0, 1, 1, 2, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "yes", "non-finite"]
    assert ax.get_title() == "train (5 samples), acc = 0.6000"


def test_empty_inputs_raise_with_reasons():
    recs = [dataclasses.replace(r, history=[], best_cost=None) for r in _recs()]
    runs = M.runs_of(recs)
    inst = M.instances_of(runs)
    with pytest.raises(ValueError, match="no run evaluated a finite cost"):
        P.convergence(runs)
    with pytest.raises(ValueError, match="no trainer reached the target"):
        P.performance_profile_plot(runs, inst, M.Target(tau=0.1))
    with pytest.raises(ValueError, match="no target"):
        P.runtime_ecdf_plot(runs, inst, [M.Target(tau=0.1)])


def test_missing_matplotlib_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigError, match=r"pip install 'nnbench\[plots\]'"):
        P.require()


def test_nan_quantiles_are_numpys():
    from nnbench.reporting.plots import nan_quantiles

    rng = np.random.default_rng(0)
    v = rng.lognormal(size=(7, 300))
    v[rng.random(v.shape) < 0.3] = np.nan
    v[:, 5] = np.nan  # an all-NaN column
    v[1:, 6] = np.nan  # one number
    got = nan_quantiles(v, (0.25, 0.5, 0.75))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy: "All-NaN slice encountered"
        want = np.nanquantile(v, [0.25, 0.5, 0.75], axis=0)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-14, equal_nan=True)
    assert np.isnan(got[1][5]) and got[1][6] == v[0, 6]


def test_convergence_panels_share_the_cost_axis_and_one_legend():
    recs = [dataclasses.replace(r, work=3.0 * r.evaluations, history=[tuple(h[:3]) + (3.0 * h[0],) for h in r.history])
            for r in _recs()]
    runs = M.runs_of(recs)
    fig = P.convergence(runs, ("evaluations", "work", "seconds"))
    axes = fig.axes
    assert len(axes) == 3
    assert ["evaluations" in axes[0].get_xlabel(), "work" in axes[1].get_xlabel(),
            "seconds" in axes[2].get_xlabel()] == [True, True, True]
    assert all(ax.get_yscale() == "log" and ax.get_ylim() == axes[0].get_ylim() for ax in axes)
    assert [ax.get_legend() is not None for ax in axes] == [False, False, True]
    assert _legend_texts(axes[2]) == ["t00", "t01", "t02"]
    # work is 3 x evaluations here: the same medians, at x three times as far
    ev, wk = axes[0].get_lines(), axes[1].get_lines()
    for a, b in zip(ev, wk):
        np.testing.assert_allclose(a.get_ydata(), b.get_ydata())
    # the work panel is the evaluations panel three times as far right, not a copy of it
    for a, b in zip(ev, wk):
        np.testing.assert_allclose(b.get_xdata(), 3 * a.get_xdata())
    with pytest.raises(ValueError, match="measure must be one of .*, got 'iterations'"):
        P.convergence(runs, ("evaluations", "iterations"))


def test_ecdf_panels_one_per_measure():
    recs = [dataclasses.replace(r, work=2.0 * r.evaluations, history=[tuple(h[:3]) + (2.0 * h[0],) for h in r.history])
            for r in _recs()]
    runs = M.runs_of(recs)
    fig = P.runtime_ecdf_plot(runs, M.instances_of(runs), [M.Target(tau=t) for t in M.TAUS], ("evaluations", "work"))
    left, right = fig.axes
    assert "evaluations" in left.get_xlabel() and "work" in right.get_xlabel()
    # work is 2 x evaluations here: each trainer's ECDF on work at a budget 2b is its ECDF on evaluations at b
    def at(line, q):  # a steps-post curve's value at q
        x, y = line.get_xdata(), line.get_ydata()
        return y[np.searchsorted(x, q, side="right") - 1]
    q = np.array([1.5, 9.0, 15.0, 35.0, 59.0])
    assert right.get_lines()[0].get_xdata()[-1] == pytest.approx(2 * left.get_lines()[0].get_xdata()[-1])
    for a, b in zip(left.get_lines(), right.get_lines()):
        np.testing.assert_array_equal(at(b, 2 * q), at(a, q))
    assert len({tuple(at(a, q)) for a in left.get_lines()}) > 1  # the trainers' curves differ
    assert sorted(l.get_ydata()[-1] for l in left.get_lines()) == sorted(l.get_ydata()[-1] for l in right.get_lines())


def test_log_tick_labels_are_plain_text_powers():
    fmt = P._power_formatter()
    major, minor, two = fmt(10), fmt(10, labelOnlyBase=False), fmt(2)
    assert [major(x) for x in (1e-3, 1.0, 1e5)] == ["10\u207b\u00b3", "10\u2070", "10\u2075"]
    assert minor(2e-3) == "2\u00d710\u207b\u00b3"
    assert [two(x) for x in (1, 8, 1024)] == ["2\u2070", "2\u00b3", "2\u00b9\u2070"]
    fig = P.convergence(M.runs_of(_recs()))
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert labels and not any("$" in t for t in labels)


def test_minor_log_ticks_only_on_short_spans():
    """Up to MINOR_TICK_DECADES decades a log axis keeps matplotlib's minor ticks (2..9 per
    decade); beyond, none (they would carry no label)."""
    major, minor = (cls(10) for cls in P._log_locators()[:1]), P._log_locators()[1](10, subs="auto")
    assert P.MINOR_TICK_DECADES == 3
    short = minor.tick_values(1.0, 300.0)
    # 2..9 per decade, only those in view (matplotlib's LogLocator gives a decade either side too)
    np.testing.assert_allclose(short, [2, 3, 4, 5, 6, 7, 8, 9, 20, 30, 40, 50, 60, 70, 80, 90, 200, 300])
    assert minor.tick_values(1e-6, 2.0).size == 0
    assert minor.tick_values(1.0, 1e3).size > 0 and minor.tick_values(1.0, 1.01e3).size == 0
    fig = P.convergence(M.runs_of(_recs()))
    ax = fig.axes[0]
    ax.set_xlim(1, 300)
    ax.set_ylim(1e-9, 1)
    assert len(ax.xaxis.get_minorticklocs()) > 0 and len(ax.yaxis.get_minorticklocs()) == 0
    (major,) = major
    np.testing.assert_allclose(major.tick_values(1.0, 300.0), [1, 10, 100])  # in view only
    np.testing.assert_allclose(major.tick_values(3e-9, 2.0), [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1])


def test_png_leaves_no_layout_engine():
    """png() lays the figure out but leaves no engine on it (an engine, even matplotlib's
    placeholder, makes savefig draw the figure twice); the PNG is the figure's size."""
    import io

    from PIL import Image

    fig = P.convergence(M.runs_of(_recs()))
    data = P.png(fig)
    assert fig.get_layout_engine() is None
    assert Image.open(io.BytesIO(data)).size == (1000, 550)
    before = fig.subplotpars.right
    fig2 = P.convergence(M.runs_of(_recs()))
    fig2.tight_layout()
    assert before == pytest.approx(fig2.subplotpars.right)  # the layout tight_layout gives


def test_a_long_title_is_wrapped_inside_the_figure():
    """A long problem name ran off both edges of the figure; its title now wraps at spaces and
    every line lies inside the figure, above the axes."""
    title = ("iris std=features test=0.25 | h5 tanh out=softmax cross_entropy | 43 weights: best-so-far "
             "cost, median over 10 seeds, band = interquartile range")
    fig = P._figure()
    ax = fig.add_subplot()
    ax.plot([1, 2], [1, 2])
    P._suptitle(fig, title)
    P.png(fig)
    assert fig.get_suptitle().replace("\n", " ") == title and fig.get_suptitle().count("\n") == 1
    box = fig._suptitle.get_window_extent(fig.canvas.get_renderer())
    assert 0 <= box.x0 < box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    assert box.y0 >= ax.get_window_extent().y1  # the layout left room for both lines
