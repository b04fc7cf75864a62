"""Start-up: nothing imported that a command does not use, and what replaced scipy.stats
gives scipy.stats's numbers (Pearson's r and its p-value, the exact sign test)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from nnbench.core.fit import pearson
from nnbench.reporting.measures import sign_test_p


@pytest.mark.parametrize("n", [2, 3, 4, 5, 10, 50, 442, 10000])
def test_pearson_is_scipys(n):
    rng = np.random.default_rng(n)
    y = rng.standard_normal(n)
    for pred in (y + rng.standard_normal(n), -0.3 * y + rng.standard_normal(n), rng.standard_normal(n)):
        r, p, why = pearson(y, pred)
        ref = stats.pearsonr(y, pred)
        assert why is None
        assert r == pytest.approx(ref.statistic, abs=1e-14)
        assert p == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-300)


def test_pearson_at_the_tutorials_fit():
    y = np.array([1.0, 0.0, 0.0, 1.0])
    pred = np.array([0.99, 0.02, 0.01, 0.97])
    r, p, _ = pearson(y, pred)
    assert r == pytest.approx(stats.pearsonr(y, pred).statistic, abs=1e-15)
    assert p == pytest.approx(1 - abs(r))  # n = 4: Beta(1, 1), p = 1 - |r|


@pytest.mark.parametrize("n", range(1, 13))
def test_sign_test_is_binomtest(n):
    for k in range(n + 1):
        assert sign_test_p(k, n) == pytest.approx(stats.binomtest(k, n, 0.5, alternative="greater").pvalue,
                                                  rel=1e-12)


def test_sign_test_checks_its_counts():
    with pytest.raises(ValueError, match="0 <= k <= n"):
        sign_test_p(3, 2)


def _loaded(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.split()
    return set(out)


def test_version_loads_no_numpy():
    mods = _loaded("from nnbench.cli.main import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass")
    assert "numpy" not in mods and "scipy" not in mods


def test_the_command_line_module_loads_no_package_metadata():
    """``importlib.metadata`` (and ``email``) are 25 ms: loaded for ``__version__`` and the
    plugins when a command needs them, not by importing nnbench or its command line (where
    a Ctrl-C still gives Python's traceback instead of ``nnbench: interrupted``)."""
    mods = _loaded("import nnbench.cli.main")
    assert not {"importlib.metadata", "email", "numpy"} & mods
    out = subprocess.run([sys.executable, "-c", "import nnbench; print(nnbench.__version__)"], capture_output=True,
                         text=True, check=True).stdout.strip()
    from importlib.metadata import version

    assert out == version("nnbench")


def test_parsing_loads_no_scipy_stats():
    mods = _loaded("from nnbench.cli.main import build_parser; build_parser()")
    assert "scipy.stats" not in mods and "matplotlib" not in mods


def test_a_trial_loads_no_scipy_stats_or_plotting(tmp_path):
    code = (f"from nnbench.cli.main import main\n"
            f"main(['run', '--problem', 'tutorial', '--trainers', 'BFGS', '--seeds', '1', '--executor', 'serial',"
            f" '--quiet', '--out', {str(tmp_path / 'r.jsonl')!r}])")
    mods = _loaded(code)
    assert "scipy.optimize" in mods  # it ran
    assert not {"scipy.stats", "matplotlib", "sklearn", "torch", "distributed", "nnbench.reporting.compare"} & mods


def test_the_first_look_at_a_run_and_its_first_worker_load_no_numpy():
    """``nnbench run`` starts its first worker before numpy and scipy load (they take the parent
    0.25-0.5 s, which the worker's own start-up then overlaps): the light parser and the
    process executor's module load neither."""
    mods = _loaded("from nnbench.cli.main import build_parser\n"
                   "import nnbench.running.executors\n"
                   "args, _ = build_parser('run', light=True).parse_known_args(['run', '--problem', 'tutorial', "
                   "'-j', '2', '-p', 'x', '--standardize', 'all'])\n"
                   "assert (args.jobs, args.plugins, args.standardize) == ('2', ['x'], 'all'), args")
    assert not {"numpy", "scipy", "nnbench.contract.problems", "nnbench.datasets"} & mods


def _options(parser):
    """``{subcommand: {option string: (dest, nargs, default)}}`` of a parser."""
    import argparse

    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: {s: (a.dest, a.nargs, a.default) for a in p._actions for s in a.option_strings if s not in ("-h", "--help")}
            for name, p in sub.choices.items()}


def test_the_first_look_reads_every_option_as_the_real_parser():
    from nnbench.cli.main import build_parser

    full, light = _options(build_parser()), _options(build_parser(light=True))
    assert light == full
    assert "--executor" in light["run"] and "-p" in light["run"] and "--jobs" in light["run"]


@pytest.mark.parametrize("argv, starts", [
    (["run", "--problem", "tutorial"], True),
    (["run", "-p", "mod", "--jobs", "2"], True),
    (["run", "--executor", "process"], True),
    (["run", "--executor", "serial"], False),
    (["run", "--executor", "dask"], False),
    (["run", "--scheduler", "tcp://h:8786"], False),
    (["run", "suite.toml"], False),
    (["run", "--rerun", "r.jsonl"], False),
    (["run", "--jobs", "0"], False),  # the real parser reports it
    (["run", "--jobs"], False),
    (["run", "--no-such-option"], False),  # the real parser refuses it
    (["run", "--executor", "bogus"], False),
    (["run", "--help"], False),
])
def test_an_early_worker_starts_only_for_a_run_that_surely_uses_one(argv, starts):
    from nnbench.cli.main import _early_executor

    executor = _early_executor(argv)
    try:
        assert (executor is not None) == starts
        if starts:
            assert executor.warm == (("mod",) if "-p" in argv else ())
            assert executor.jobs == (2 if "--jobs" in argv else __import__("os").cpu_count())
    finally:
        if executor is not None:
            executor.close()
