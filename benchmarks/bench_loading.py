"""CSV loading: nnbench's load_csv against numpy.loadtxt, time and memory, side by side.

Files of 20 000, 200 000 and 1 000 000 rows x 11 columns (10 features and ``y``, standard
normal numbers written with ``%.17g``, so that they read back exactly; seed 0) are made
once per session in a temporary directory. Each case times its two loaders alternately
(ABBA order), 3 times each, and keeps each one's median (``*_s``, ``ratio`` = nnbench /
yardstick; ``ratio_best`` is the ratio of the two fastest calls), then
measures each one's tracemalloc peak of the whole load once (``*_peak_x``: the peak over
the bytes of the ``(rows, 11)`` float64 array). The cases:

* ``numeric``: ``load_csv(path)`` (the fast path) against
  ``np.loadtxt(path, delimiter=",", skiprows=1)``. Goal (issue): ratio <= 1.2 at 200 000
  rows, nnbench's peak under 3x the array.
* ``labels``: ``load_csv(path, labels=True)`` on a file whose last column is one of 3
  class names, against ``np.loadtxt`` of its 10 numeric columns (``usecols``), which is all
  loadtxt alone can read of it.
* ``strict``: the same numbers with the first header name quoted, which sends the file to
  the strict :mod:`csv` parser, against ``np.loadtxt`` of the numeric file (20 000 and
  200 000 rows only).

Every case prints its line to the terminal as it ends. With ``--benchmark-disable`` (CI)
only the 20 000-row cases run, untimed, and assert what is always asserted: nnbench's
arrays equal loadtxt's bit for bit, through the expected path.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nnbench.datasets import load_csv
from nnbench.datasets.csv_reader import _load_fast

ROWS = [20_000, 200_000, 1_000_000]
QUICK = 20_000  # the one size run under --benchmark-disable
N_COLUMNS = 11
CLASSES = ("setosa", "versicolor", "virginica")
REPEATS = 3


class Files:
    """The benchmark's CSV files, each written on first use (seed 0) and kept for the session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[tuple[str, int], Path] = {}

    def numbers(self, n: int) -> np.ndarray:
        return np.random.default_rng(0).standard_normal((n, N_COLUMNS))

    def path(self, kind: str, n: int) -> Path:
        if (kind, n) not in self.made:
            path = self.folder / f"{kind}_{n}.csv"
            names = [f"x_{i}" for i in range(1, N_COLUMNS)] + ["y"]
            if kind == "strict":
                names[0] = f'"{names[0]}"'
            a = self.numbers(n)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(",".join(names) + "\n")
                if kind == "labels":
                    label = np.array(CLASSES)[np.random.default_rng(1).integers(0, len(CLASSES), n)]
                    body = np.char.add(np.char.add(_rows(a[:, :-1]), ","), label)
                    f.write("\n".join(body.tolist()) + "\n")
                else:
                    np.savetxt(f, a, delimiter=",", fmt="%.17g")
            self.made[kind, n] = path
        return self.made[kind, n]


def _rows(a: np.ndarray) -> np.ndarray:
    """The rows of ``a`` as ``%.17g`` text joined by commas, one string per row."""
    out = np.char.mod("%.17g", a[:, 0])
    for j in range(1, a.shape[1]):
        out = np.char.add(np.char.add(out, ","), np.char.mod("%.17g", a[:, j]))
    return out


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> Files:
    return Files(tmp_path_factory.mktemp("bench_loading"))


def side_by_side(fs: dict[str, Callable[[], object]], repeat: int = REPEATS) -> dict[str, list[float]]:
    """Each function's seconds in ``repeat`` calls, the functions called alternately (ABBA...)."""
    times: dict[str, list[float]] = {name: [] for name in fs}
    names = list(fs)
    for i in range(repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            fs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def peak(f: Callable[[], object]) -> int:
    """tracemalloc's peak of traced bytes during ``f()`` (numpy reports its arrays to it)."""
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(benchmark, capsys, case: str, n: int, fs: dict[str, Callable[[], object]]) -> None:
    """Time and measure ``fs`` = {"nnbench": ..., yardstick: ...} into ``extra_info``; print them."""
    (ours, ours_f), (theirs, theirs_f) = fs.items()
    times = side_by_side(fs)
    t = {name: statistics.median(v) for name, v in times.items()}
    best = min(times[ours]) / min(times[theirs])
    array_bytes = n * N_COLUMNS * 8
    peaks = {name: peak(f) / array_bytes for name, f in fs.items()}
    info = {"case": case, "rows": n, f"{ours}_s": round(t[ours], 4), f"{theirs}_s": round(t[theirs], 4),
            "ratio": round(t[ours] / t[theirs], 3), "ratio_best": round(best, 3),
            f"{ours}_peak_x": round(peaks[ours], 2), f"{theirs}_peak_x": round(peaks[theirs], 2)}
    benchmark.extra_info.update(info)
    with capsys.disabled():
        print(f"\n  {case:8s} {n:>9,} rows: {ours} {t[ours]:.3f} s / {theirs} {t[theirs]:.3f} s = "
              f"{t[ours] / t[theirs]:.2f}x (best of {REPEATS}: {best:.2f}x); "
              f"peak {peaks[ours]:.2f}x / {peaks[theirs]:.2f}x the array")
    benchmark.pedantic(ours_f, rounds=1 if n >= 1_000_000 else REPEATS, iterations=1)


def load_once(benchmark, f: Callable[[], object]):
    """``f()``; with ``--benchmark-disable`` through the fixture (one plain call), as CI runs it."""
    return benchmark.pedantic(f) if benchmark.disabled else f()


def skip_unless_timed(benchmark, n: int) -> None:
    if benchmark.disabled and n != QUICK:
        pytest.skip(f"{n} rows: timed runs only (--benchmark-disable runs {QUICK})")


def ids(n: int) -> str:
    return f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"


@pytest.mark.parametrize("n", ROWS, ids=ids)
def test_numeric(benchmark, capsys, files, n):
    skip_unless_timed(benchmark, n)
    benchmark.group = "load_csv numeric"
    path = files.path("numeric", n)
    expected = np.loadtxt(path, delimiter=",", skiprows=1)
    assert _load_fast(path, str(path), None, ",", False, "numeric") is not None  # the fast path reads it
    d = load_once(benchmark, lambda: load_csv(path))
    np.testing.assert_array_equal(np.hstack([d.X, d.y]).view(np.uint64), expected.view(np.uint64))
    np.testing.assert_array_equal(expected.view(np.uint64), files.numbers(n).view(np.uint64))
    del d, expected
    if not benchmark.disabled:
        measure(benchmark, capsys, "numeric", n, {
            "nnbench": lambda: load_csv(path),
            "loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1),
        })


@pytest.mark.parametrize("n", ROWS[:2], ids=ids)
def test_labels(benchmark, capsys, files, n):
    skip_unless_timed(benchmark, n)
    benchmark.group = "load_csv labels"
    path = files.path("labels", n)
    assert _load_fast(path, str(path), None, ",", True, "labels") is not None
    d = load_once(benchmark, lambda: load_csv(path, labels=True))
    assert d.classes == CLASSES
    codes = np.random.default_rng(1).integers(0, len(CLASSES), n)
    np.testing.assert_array_equal(d.y, np.eye(len(CLASSES))[codes])
    np.testing.assert_array_equal(d.X.view(np.uint64), files.numbers(n)[:, :-1].view(np.uint64))
    del d
    if not benchmark.disabled:
        numeric = list(range(N_COLUMNS - 1))
        measure(benchmark, capsys, "labels", n, {
            "nnbench": lambda: load_csv(path, labels=True),
            "loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1, usecols=numeric),
        })


@pytest.mark.parametrize("n", ROWS[:2], ids=ids)
def test_strict(benchmark, capsys, files, n):
    skip_unless_timed(benchmark, n)
    benchmark.group = "load_csv strict"
    path = files.path("strict", n)
    assert _load_fast(path, str(path), None, ",", False, "strict") is None  # the quote sends it on
    d = load_once(benchmark, lambda: load_csv(path))
    assert d.feature_names[0] == "x_1"
    np.testing.assert_array_equal(np.hstack([d.X, d.y]).view(np.uint64), files.numbers(n).view(np.uint64))
    del d
    if not benchmark.disabled:
        numeric_path = files.path("numeric", n)
        measure(benchmark, capsys, "strict", n, {
            "nnbench": lambda: load_csv(path),
            "loadtxt": lambda: np.loadtxt(numeric_path, delimiter=",", skiprows=1),
        })
