"""The HTML and Markdown reports: content, self-containment, empty measures explained, CLI, Chromium."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import shutil
import subprocess

import pytest
from _records import trial

import nnbench
from nnbench.reporting import html as htmlreport
from nnbench.cli import main
from nnbench.errors import ConfigError
from nnbench.results.store import read_results
from _records import tutorial_run


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A small real run: the tutorial problem, three trainers, two seeds."""
    return tutorial_run(tmp_path_factory.mktemp("r") / "r.jsonl", seeds=2)


def _text(blocks):
    return "\n".join([b.text for b in blocks] + [" ".join(map(str, row)) for b in blocks for row in b.rows])


def _failed(record):
    return dataclasses.replace(record, status="failed", success=False, best_cost=None, best_x=None, history=[],
                               evaluations=0, train=None, test=None, error="RuntimeError: boom",
                               message="RuntimeError: boom")


def test_tables_of_a_real_run(results):
    meta, recs = read_results(results)
    blocks = htmlreport.build(recs, [meta], [str(results)], [len(recs)], plots=False)
    heads = [b.text for b in blocks if b.kind in ("h2", "h3")]
    # the headline first (without plots, no "At a glance" figures), then the runs and each problem
    assert heads[:5] == ["Headline: which trainer to use", "The fastest on each problem", "How the score is computed",
                         "Runs", "tutorial | h2 sigmoid nobias sse | 6 weights"]
    for h in ("Success by target", "Expected running time", "Best cost across seeds", "Fixed budget", "Final quality"):
        assert h in heads
    ert = next(b for b in blocks if b.kind == "table" and b.text.startswith("ERT"))
    assert ert.headers[:3] == ["trainer", "ERT tau=1e-01", "ERT tau=1e-03"]
    # BFGS reaches every target on both seeds
    bfgs = next(r for r in ert.rows if r[0] == "BFGS")
    assert all(c.endswith("(2/2)") for c in bfgs[1:5])
    text = _text(blocks)
    assert ("2 seeds for 2 comparisons with the best: even a trainer worse on every seed gets p = 2^-2, which "
            "Holm's correction over 2 cannot bring below 0.05, so no verdict can be 'worse'; run with --seeds 6 "
            "or more.") in text
    assert "Plots left out" in text
    stats = next(b for b in blocks if b.kind == "table" and b.text.startswith("Median, interquartile"))
    assert stats.headers[5:] == ["p (worse than best)", "cost ratio", "p (Holm)", "verdict"]
    assert {row[-1] for row in stats.rows[1:]} == {"not shown worse"} and stats.rows[0][-1] == "best"
    fixed = next(b for b in blocks if b.kind == "table" and b.text.startswith("Median best-so-far"))
    assert fixed.headers == ["trainer", "1 evals", "2 evals", "5 evals", "10 evals", "20 evals", "50 evals",
                             "100 evals", "200 evals"]


def test_all_failed_trials_still_render_and_say_why(tmp_path):
    meta, recs = read_results_small()
    failed = [_failed(r) for r in recs]
    blocks = htmlreport.build(failed, plots=False)
    text = _text(blocks)
    assert "No run evaluated a finite cost (2 ran: failed 2; RuntimeError: boom)" in text
    assert "no relative target" in text
    assert "No profiles: performance and data profiles compare trainers" in text
    page = htmlreport.to_html(blocks)
    assert page.startswith("<!DOCTYPE html>") and "RuntimeError: boom" in page


def test_one_trial_renders_and_says_why(results):
    _, recs = read_results(results)
    blocks = htmlreport.build(recs[:1], plots=False)
    text = _text(blocks)
    assert "A single run on this problem" in text
    stats = next(b for b in blocks if b.kind == "table" and b.text.startswith("Median, interquartile"))
    assert stats.rows == [[recs[0]["trainer"], "1", f"{recs[0]['best_cost']:.4g}", f"[{recs[0]['best_cost']:.3g}, "
                           f"{recs[0]['best_cost']:.3g}]", "n/a (1 finite value, a bootstrap needs 2)",
                           "reference", "1", "reference", "best"]]


def test_only_skipped_trials(results):
    _, recs = read_results(results)
    skipped = [dataclasses.replace(recs[0], status="skipped", message="too many weights")]
    text = _text(htmlreport.build(skipped, plots=False))
    assert "No trial ran on this problem (1 skipped: too many weights)" in text
    assert "The results hold no trial" in _text(htmlreport.build([], plots=False))


def read_results_small():
    """Two synthetic trial records of one trainer on two seeds (no run needed)."""
    return {}, [trial("T", s, n_params=2, family="f", success=True, initial_cost=1.0, wall_time_s=0.1,
                      history=[[1, 0.01, 0.5]], evaluations=1) for s in (0, 1)]


def test_missing_matplotlib_leaves_plots_out(monkeypatch, results):
    import nnbench.reporting.plots

    def no_mpl():
        raise ConfigError("plots need matplotlib, which is not installed: pip install 'nnbench[plots]'")

    monkeypatch.setattr(nnbench.reporting.plots, "require", no_mpl)
    _, recs = read_results(results)
    assert "Plots left out: matplotlib is not installed" in _text(htmlreport.build(recs))
    with pytest.raises(ConfigError, match="nnbench\\[plots\\]"):
        htmlreport.build(recs, plots=True)
    with pytest.raises(ConfigError, match=r"^--tau: must be a positive number of at most 1, got 2.0$"):
        htmlreport.build(recs, profile_tau=2.0, plots=False)


def test_two_results_files_combine(tmp_path, results, capsys):
    lines = results.read_text().splitlines()
    meta, trials = lines[0], lines[1:]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join([meta] + [t for t in trials if json.loads(t)["trainer"] == "BFGS"]) + "\n")
    b.write_text("\n".join([meta] + [t for t in trials if json.loads(t)["trainer"] != "BFGS"]) + "\n")
    md = tmp_path / "md"
    assert main(["report", str(a), str(b), "--markdown", str(md), "--no-plots"]) == 0
    out = capsys.readouterr()
    assert "BFGS" in out.out and "adam" in out.out and f"wrote {md / 'report.md'}" in out.err
    text = (md / "report.md").read_text()
    assert "| field" in text and "a.jsonl" in text and "b.jsonl" in text
    # f_best is taken across both files: the summary has all three trainers in one table
    assert text.count("## tutorial | h2 sigmoid nobias sse | 6 weights") == 1


@pytest.mark.slow
def test_full_html_and_markdown_reports_with_every_plot(tmp_path, results, capsys):
    html_path, md = tmp_path / "report.html", tmp_path / "md"
    assert main(["report", str(results), "--html", str(html_path), "--markdown", str(md)]) == 0
    printed = capsys.readouterr().out
    assert "tutorial | h2 sigmoid nobias sse | 6 weights" in printed  # the summary table in the terminal
    page = html_path.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    # at a glance: the headline's profiles and the problem's convergence (one figure, a panel each on
    # evaluations, work and seconds); per problem: the ECDFs (a panel each on evaluations and work),
    # box, predictions (the win rates are a table); then the two profile figures
    assert len(images) == 7
    assert "best-so-far cost against evaluations, work and seconds" in page
    assert "within each budget of evaluations and of work" in page
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from a network
    assert "Performance profiles: seconds and evaluations" in page
    text = (md / "report.md").read_text()
    names = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert len(names) == 7 and all((md / n).stat().st_size > 1000 for n in names)
    if shutil.which("chromium") is None:
        return
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", f"--screenshot={shot}", "--window-size=1400,4000",
                    html_path.as_uri()], check=True, capture_output=True, timeout=180)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_renders_the_report(tmp_path, results):
    _, recs = read_results(results)
    page = tmp_path / "r.html"
    htmlreport.write_html(htmlreport.build(recs, plots=False), page)
    shot = tmp_path / "r.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", f"--screenshot={shot}", "--window-size=1400,2000",
                    page.as_uri()], check=True, capture_output=True, timeout=180)
    from matplotlib.image import imread

    img = imread(shot)
    assert img.shape[:2] == (2000, 1400)
    assert img[:600, :, :3].std() > 0.05  # text and tables were drawn, not a blank page


def test_the_headline_comes_first_in_every_form(results, tmp_path, capsys):
    _, recs = read_results(results)
    blocks = htmlreport.build(recs, plots=False)
    assert [b.kind for b in blocks[:4]] == ["h1", "p", "filter", "h2"]
    assert blocks[3].text == "Headline: which trainer to use"
    assert blocks[4].text.startswith("The fastest to the tau=1e-03 target on the one problem is ")
    table = blocks[5]
    assert table.headers == ["rank", "trainer", "family", "score", "solves", "fastest on", "runs reached target"]
    assert sorted(row[1] for row in table.rows) == ["BFGS", "Nelder-Mead", "adam"]
    assert table.rows[0][3] == "1.000"  # one problem: the fastest scores 1
    assert sorted(blocks[2].rows) == [["BFGS", "local-gradient"], ["Nelder-Mead", "local-derivative-free"],
                                      ["adam", "first-order"]]
    page = htmlreport.to_html(blocks)
    assert page.count('<table class="sortable">') == sum(b.kind == "table" for b in blocks)
    assert '<select id="nnbench-family"><option value="">all</option><option value="first-order">' in page
    assert '<script type="application/json" id="nnbench-families">{"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    md, _ = htmlreport.to_markdown(blocks)
    assert md.startswith("# nnbench report") and "## Headline: which trainer to use" in md and "nnbench-families" not in md
    # the terminal: the headline's short form under the tables, for the plain format only
    assert main(["report", str(results)]) == 0
    out = capsys.readouterr().out
    assert out.index("tutorial | h2 sigmoid nobias sse | 6 weights") < out.index("Headline across 1 problem: ")
    assert main(["report", str(results), "--format", "csv"]) == 0
    assert "Headline" not in capsys.readouterr().out


def test_numbers_are_right_aligned_and_text_left():
    page = htmlreport.to_html([htmlreport.Block("table", "t", ["trainer", "n", "share", "ci"],
                                                [["a", "3", "2/3", "[1, 2]"], ["b", "-", "67% (2/3)", "n/a"]])])
    assert '<th class="t">trainer</th><th>n</th><th>share</th><th class="t">ci</th>' in page


def test_classification_problems_show_accuracy(results):
    _, recs = read_results(results)
    fit = {"pearson_r": 0.5, "pearson_p": 0.1, "r2": 0.2, "mse": 0.3, "accuracy": 0.75}
    from nnbench.core.fit import Fit

    labelled = [dataclasses.replace(r, train=Fit.from_dict(fit), task="classification") for r in recs]
    quality = next(b for b in htmlreport.build(labelled, plots=False) if b.text.startswith("Median [IQR] over seeds"))
    assert quality.headers == ["trainer", "best cost", "acc"]
    assert {row[2] for row in quality.rows} == {"0.7500 [0.7500, 0.7500]"}
    regression = next(b for b in htmlreport.build(recs, plots=False) if b.text.startswith("Median [IQR] over seeds"))
    assert regression.headers == ["trainer", "best cost", "r", "R^2", "MSE"]
    # the task decides, as in the text tables: a regression record keeps r, R^2, MSE
    untasked = [dataclasses.replace(r, train=Fit.from_dict(fit)) for r in recs]
    kept = next(b for b in htmlreport.build(untasked, plots=False) if b.text.startswith("Median [IQR] over seeds"))
    assert kept.headers == ["trainer", "best cost", "r", "R^2", "MSE"]
    # a classifier's best trial is shown as its confusion matrix (the tutorial's targets are 0/1)
    figure = next(b for b in htmlreport.build(labelled, jobs=1) if b.name.endswith("-predictions"))
    assert figure.text.startswith("Confusion matrix of the best trial") and figure.png


_PROBE = """<script>
(function () {
  var t = document.querySelector("table.sortable"), th = t.tHead.rows[0].cells;
  function col(i) { return Array.prototype.map.call(t.tBodies[0].rows, function (r) { return r.cells[i].textContent; }); }
  th[1].click(); var up = col(1); th[1].click(); var down = col(1); th[3].click(); var score = col(3);
  var s = document.getElementById("nnbench-family"); s.value = "first-order"; s.dispatchEvent(new Event("change"));
  var shown = Array.prototype.filter.call(t.tBodies[0].rows, function (r) { return r.style.display !== "none"; });
  document.body.setAttribute("data-probe", JSON.stringify({up: up, down: down, score: score,
    shown: shown.map(function (r) { return r.cells[1].textContent; })}));
})();
</script></body>"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_sorts_and_filters_the_tables(tmp_path, results):
    """The inline script in a real browser: a header click sorts (again: reversed; numbers by
    value), the family filter hides the other families' rows."""
    import html as _html

    _, recs = read_results(results)
    page = tmp_path / "probe.html"
    page.write_text(htmlreport.to_html(htmlreport.build(recs, plots=False)).replace("</body>", _PROBE))
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--dump-dom", page.as_uri()], check=True,
                         capture_output=True, timeout=180, text=True).stdout
    probe = json.loads(_html.unescape(re.search(r'data-probe="([^"]*)"', dom).group(1)))
    assert probe["up"] == ["adam", "BFGS", "Nelder-Mead"] and probe["down"] == probe["up"][::-1]
    assert probe["score"] == sorted(probe["score"], key=float)
    assert probe["shown"] == ["adam"]


def test_figures_drawn_in_processes_are_the_serial_ones(results, capsys):
    meta, recs = read_results(results)
    serial = htmlreport.build(recs, [meta], plots=True, jobs=1)
    parallel = htmlreport.build(recs, [meta], plots=True, jobs=2, progress=True)
    figures = [b for b in serial if b.kind == "figure"]
    assert len(figures) == 7
    # so the second build forked: 4 figures and one section (the problem's, with 3 figures)
    assert 4 + htmlreport.SECTION_FIGURES >= htmlreport.PARALLEL_FIGURES
    # every block the same, in order: the problem's section (tables and figures), built in a
    # forked process, is spliced in where it belongs
    def content(blocks):  # all but the time the report was generated
        return [(b.kind, b.text if "generated" not in b.text else "", b.headers, b.rows, b.png) for b in blocks]

    assert content(serial) == content(parallel)
    assert "Best cost across seeds" in [b.text for b in parallel]
    assert all(b.make is None and b.kind != "section" for b in parallel)
    assert "report" in capsys.readouterr().err  # the progress bar, on stderr


def test_a_figure_that_cannot_be_drawn_is_a_note():
    blocks = [htmlreport.Block("figure", "Box plot: final cost", name="box", make=lambda: _raise())]
    htmlreport.render_figures(blocks, jobs=1)
    assert (blocks[0].kind, blocks[0].text) == ("note", "No box plot: no run has a finite cost.")


def _raise():
    raise ValueError("no run has a finite cost")


def test_report_quiet_is_an_option(results, tmp_path, capsys):
    assert main(["report", str(results), "--html", str(tmp_path / "r.html"), "--quiet"]) == 0
    assert "part/s" not in capsys.readouterr().err


def test_each_glance_figure_is_its_own_problem(results):
    """The convergence figures at the top name the problem they are under (each drew the last
    problem's runs when the figure's function read the loop variable late)."""
    _, recs = read_results(results)
    other = [dataclasses.replace(r, dataset=nnbench.DatasetSpec("xor"), data_id="0" * 64) for r in recs]
    blocks = htmlreport._blocks(recs + other, [], [], [], htmlreport.REPORT_TAUS, 1e-3, None, 5, True, 0)
    glance = [b for b in blocks if b.kind == "figure" and b.name.endswith("-convergence")]
    assert [b.name.split("-")[0] for b in glance] == ["tutorial", "xor"]
    assert [b.make()._suptitle.get_text().split(" | ")[0] for b in glance] == ["tutorial", "xor"]


def test_build_reuses_a_given_headline_only_at_its_target(results, monkeypatch):
    """``nnbench report`` hands build() the headline it printed: used when its target is the
    report's, computed again otherwise (a headline at another tau is not the report's)."""
    from nnbench.reporting import headline as H

    _, recs = read_results(results)
    at_default = H.headline(recs)
    other = H.headline(recs, tau=0.5)
    calls = []
    real = htmlreport.headline
    monkeypatch.setattr(htmlreport, "headline", lambda *a, **k: calls.append(a[1:]) or real(*a, **k))
    reused = htmlreport.build(recs, plots=False, head=at_default)
    assert calls == []
    again = htmlreport.build(recs, plots=False, head=other)
    assert len(calls) == 1
    assert [b.rows for b in reused if b.kind == "table"][:1] == [b.rows for b in again if b.kind == "table"][:1]


def test_win_rates_are_a_coloured_table_best_first(monkeypatch):
    """a beats b and c on every seed; b and c tie on seed 0, c beats b on seeds 1 and 2."""
    from nnbench.reporting import measures as M

    costs = {"a": [1.0, 1.0, 1.0], "b": [3.0, 4.0, 4.0], "c": [3.0, 2.0, 2.0]}
    runs = M.runs_of([trial(t, s, history=[[1, 0.0, 10.0], [5, 0.0, v]]) for t, vs in costs.items()
                      for s, v in enumerate(vs)])
    heading, table = htmlreport.win_rate_blocks(runs)
    assert heading.text == "Win rates" and table.headers == ["trainer", "#", "1", "2", "3"]
    assert table.rows == [["a", "1", "-", "1.00", "1.00"],
                          ["c", "2", "0.00", "-", "0.83"],
                          ["b", "3", "0.00", "0.17", "-"]]
    page = htmlreport.to_html([table])
    assert '<td style="background:#2166ac;color:#fff">1.00</td>' in page  # RdBu's blue end, white text
    assert '<td style="background:#b2182b;color:#fff">0.00</td>' in page  # its red end
    assert '<td style="background:#6896c5">0.83</td>' in page  # 2/3 of the way from white to blue, dark text
    assert '<td class="t">a</td><td>1</td><td>-</td>' in page  # the labels and the diagonal: no colour
    assert htmlreport._shade(0.5) == ' style="background:#f7f7f7"'
    assert "| a         | 1   | -    | 1.00 | 1.00 |" in htmlreport.to_markdown([table])[0]  # numbers only

    monkeypatch.setattr(htmlreport, "WIN_RATE_TRAINERS", 2)
    _, table = htmlreport.win_rate_blocks(runs)
    assert table.headers == ["trainer", "#", "1", "2"] and table.text.endswith("; the best 2 of 3 trainers")
    one = M.runs_of([trial("a", s, history=[[1, 0.0, 1.0]]) for s in range(2)])
    assert [b.kind for b in htmlreport.win_rate_blocks(one)] == ["note"]
