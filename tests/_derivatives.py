"""Derivatives against central finite differences: the check every loss and network shape meets."""

from __future__ import annotations

import numpy as np
import pytest

from nnbench.errors import ConfigError
from nnbench.core.objective import Objective


def fd(f, x, h):
    """Central finite differences of f (scalar or vector valued) at x, one column per x_i."""
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def rel(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def check_derivatives(obj: Objective, theta: np.ndarray, v: np.ndarray) -> dict[str, float]:
    """Every derivative of ``obj`` at ``theta`` against central differences; returns the
    relative errors (each asserted <= 1e-6)."""
    f0, g = obj.fun_and_grad(theta)
    assert f0 == obj.fun(theta) and isinstance(f0, float)
    err = {"grad": rel(g, fd(obj.fun, theta, 1e-6))}
    hv = obj.hessp(theta, v)
    eps = 1e-6 / np.linalg.norm(v)
    err["hessp"] = rel(hv, (obj.grad(theta + eps * v) - obj.grad(theta - eps * v)) / (2 * eps))
    H = obj.hess(theta)
    err["hess"] = rel(H, fd(obj.grad, theta, 1e-6))
    np.testing.assert_array_equal(H, H.T)
    assert rel(H @ v, hv) < 1e-12
    if obj.has_residuals:
        r = obj.residuals(theta)
        assert r.shape == (obj.n_residuals,)
        assert r @ r == pytest.approx(f0, rel=1e-12)
        J = obj.residual_jac(theta)
        assert J.shape == (obj.n_residuals, obj.n_params)
        err["residual_jac"] = rel(J, fd(obj.residuals, theta, 1e-6))
    else:
        with pytest.raises(ConfigError, match="has no residuals"):
            obj.residuals(theta)
    for name, e in err.items():
        assert e < 1e-6, f"{name}: relative error {e:.2e}"
    return err
