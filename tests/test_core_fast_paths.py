"""The fast paths added to the core for speed give the same numbers as the plain maths."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nnbench.core.activations import ACTIVATIONS
from nnbench.core.network import Network, _dot
from nnbench.core.objective import Objective


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_d2_given_d1_equals_d2_alone(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-40.0, 40.0, 101).reshape(1, -1)
    a = act.value(z, np.empty_like(z))
    d1 = act.d1(z, a, np.empty_like(z))
    np.testing.assert_array_equal(act.d2(z, a, np.empty_like(z), d1=d1), act.d2(z, a, np.empty_like(z)))


def test_dot_outer_product_path_equals_matmul():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 1)), rng.normal(size=(1, 5))
    np.testing.assert_array_equal(_dot(a, b), a @ b)  # broadcasting: the same products
    out = np.empty((7, 5))
    assert _dot(a, b, out=out) is out
    c, d = rng.normal(size=(7, 3)), rng.normal(size=(3, 5))
    np.testing.assert_array_equal(_dot(c, d), c @ d)


@pytest.mark.parametrize("sizes", [(3, 4, 1), (3, 4, 5, 2)])
def test_hessp_reuses_its_buffers_without_leaking_state(sizes):
    # hessp keeps its R-pass buffers between calls; each call must still be exact
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(9, sizes[0])), rng.normal(size=(9, sizes[-1]))
    obj = Objective(Network(sizes), SimpleNamespace(X=X, y=y), "mse")
    theta = obj.x0(rng)
    H = obj.hess(theta)
    for _ in range(3):
        v = rng.normal(size=obj.n_params)
        np.testing.assert_allclose(obj.hessp(theta, v), H @ v, rtol=1e-10, atol=1e-12)
    assert obj._ws.r_buffers(1) is obj._ws.r_buffers(1)
