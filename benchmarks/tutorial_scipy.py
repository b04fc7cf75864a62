"""The tutorial comparison as a plain scipy script: no nnbench.

The same 25 fits as ``nnbench run --problem tutorial --trainers
BFGS,L-BFGS-B,CG,Nelder-Mead,basinhopping`` (5 seeds): the tutorial's four rows, a 2-2-1
sigmoid network without biases, a linear output, the sum of squared errors; the initial
weights Glorot uniform from ``numpy.random.default_rng(seed)`` as nnbench draws them; the
exact gradient for every method but Nelder-Mead; at most 1000 cost evaluations per fit
(nnbench's budget for the problem); Pearson's r of each fit (``numpy.corrcoef``). It prints
one line per fit. BLAS runs on one thread, as in nnbench's trials. ``benchmarks/bench_startup.py`` times it against ``nnbench run`` as whole
processes (the start-up ratios of benchmarks/README.md).

Run: ``python benchmarks/tutorial_scipy.py``.
"""

import os

# one BLAS thread, as nnbench pins each trial (on a busy 2-core machine OpenBLAS's idle
# threads otherwise spin and the script takes 5-10x longer)
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which BLAS reads when loaded)
from scipy.optimize import basinhopping, minimize
from scipy.special import expit  # noqa: E402

X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
Y = np.array([1.0, 0.0, 0.0, 1.0])
MAX_EVALS = 1000
METHODS = ("BFGS", "L-BFGS-B", "CG", "Nelder-Mead", "basinhopping")


class Budget(Exception):
    """The fit used its evaluations."""


class Cost:
    """The sum of squared errors of the 2-2-1 network and its gradient, counted."""

    def __init__(self) -> None:
        self.evals = 0
        self.best = (np.inf, None)

    def __call__(self, w: np.ndarray, grad: bool = True):
        if self.evals >= MAX_EVALS:
            raise Budget
        self.evals += 1
        W1, W2 = w[:4].reshape(2, 2), w[4:]
        a = expit(X @ W1)
        r = a @ W2 - Y
        f = float(r @ r)
        if f < self.best[0]:
            self.best = (f, w.copy())
        if not grad:
            return f
        g2 = 2.0 * (a.T @ r)
        g1 = X.T @ (np.outer(2.0 * r, W2) * a * (1.0 - a))
        return f, np.concatenate([g1.ravel(), g2])


def x0(seed: int) -> np.ndarray:
    """Glorot uniform, as nnbench's ``Network.init_params``."""
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-np.sqrt(6 / 4), np.sqrt(6 / 4), size=(2, 2))
    w2 = rng.uniform(-np.sqrt(6 / 3), np.sqrt(6 / 3), size=(2, 1))
    return np.concatenate([w1.ravel(), w2.ravel()])


def fit(method: str, seed: int) -> tuple[float, int, float]:
    """One fit: (best cost, evaluations, Pearson r)."""
    cost = Cost()
    try:
        if method == "basinhopping":
            basinhopping(cost, x0(seed), niter=100, minimizer_kwargs={"method": "L-BFGS-B", "jac": True},
                         rng=np.random.default_rng(seed))
        elif method == "Nelder-Mead":
            minimize(cost, x0(seed), args=(False,), method=method, options={"maxfev": MAX_EVALS})
        else:
            minimize(cost, x0(seed), jac=True, method=method)
    except Budget:
        pass
    f, w = cost.best
    pred = expit(X @ w[:4].reshape(2, 2)) @ w[4:]
    return f, cost.evals, float(np.corrcoef(Y, pred)[0, 1])


if __name__ == "__main__":
    for method in METHODS:
        for seed in range(5):
            f, n, r = fit(method, seed)
            print(f"{method:12s} seed {seed}  cost {f:.3e}  evals {n:4d}  r {r:.4f}")
