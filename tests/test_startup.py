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
