"""The network, losses and objective: the tutorial's numbers and exact derivatives."""

from __future__ import annotations

import itertools
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from _derivatives import check_derivatives

from nnbench.core.activations import ACTIVATIONS
from nnbench.errors import ConfigError
from nnbench.core.network import Network
from nnbench.core.objective import Objective

TUTORIAL_X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
TUTORIAL_Y = np.array([1.0, 0.0, 0.0, 1.0])
# the weights the tutorial printed after np.random.rand
TUTORIAL_W_IN = np.array([[0.90518084, 0.71031147], [0.75555662, 0.19589718]])
TUTORIAL_W_OUT = np.array([[0.00156605], [0.64047559]])


def tutorial_problem() -> tuple[Network, Objective]:
    net = Network((2, 2, 1), bias=False)
    return net, Objective(net, SimpleNamespace(X=TUTORIAL_X, y=TUTORIAL_Y), "sse")


def test_tutorial_predictions_and_sse():
    # The tutorial's sigmoid is 1/(1+exp(+z)), the standard logistic of -z: with nnbench's
    # standard sigmoid the tutorial's *input* weights enter negated (the output layer is linear).
    net, obj = tutorial_problem()
    theta = net.pack([(-TUTORIAL_W_IN, None), (TUTORIAL_W_OUT, None)])
    np.testing.assert_allclose(obj.predict(theta).ravel(),
                               [0.21150694, 0.28947141, 0.18456373, 0.32102082], atol=1e-7)
    assert obj.fun(theta) == pytest.approx(1.2005915066240083, abs=1e-7)
    assert isinstance(obj.fun(theta), float)


def test_tutorial_hidden_layer_output():
    net, obj = tutorial_problem()
    theta = net.pack([(-TUTORIAL_W_IN, None), (TUTORIAL_W_OUT, None)])
    ws = net.workspace(4)
    net.forward(net.unpack(theta), TUTORIAL_X, ws)
    np.testing.assert_allclose(ws.A[0], [[0.287987, 0.32953002], [0.31961175, 0.45118172],
                                         [0.15966303, 0.28777629], [0.5, 0.5]], atol=1e-7)


def test_layout_is_documented_order_and_unpack_gives_views():
    net = Network((3, 4, 2), bias=True)
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    theta = np.arange(net.n_params, dtype=float)
    (W1, b1), (W2, b2) = net.unpack(theta)
    np.testing.assert_array_equal(W1, np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(b1, [12, 13, 14, 15])
    np.testing.assert_array_equal(W2, np.arange(16.0, 24.0).reshape(4, 2))
    np.testing.assert_array_equal(b2, [24, 25])
    assert np.shares_memory(W1, theta) and np.shares_memory(b2, theta)
    np.testing.assert_array_equal(net.pack(net.unpack(theta)), theta)


def test_glorot_init_is_seeded_and_bounded():
    net = Network((10, 16, 1))
    a = net.init_params(np.random.default_rng(3))
    b = net.init_params(np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    (W1, b1), (W2, b2) = net.unpack(a)
    assert np.abs(W1).max() <= np.sqrt(6 / 26) and np.abs(W2).max() <= np.sqrt(6 / 17)
    assert not b1.any() and not b2.any()


CASES = [
    (hidden, act, out, loss, bias)
    for hidden, act, (out, loss), bias in itertools.product(
        [(4,), (4, 3), (3, 4, 2)],
        ["sigmoid", "tanh", "relu"],
        [("identity", "sse"), ("identity", "mse"), ("sigmoid", "half_mse"), ("sigmoid", "bce")],
        [True, False],
    )
]


@pytest.mark.parametrize("hidden,act,out,loss,bias", CASES)
def test_derivatives_match_central_differences(hidden, act, out, loss, bias):
    rng = np.random.default_rng(CASES.index((hidden, act, out, loss, bias)))
    n_in, n_out = 3, 2
    X = rng.normal(size=(9, n_in))
    y = (rng.uniform(size=(9, n_out)) > 0.5).astype(float) if loss == "bce" else rng.normal(size=(9, n_out))
    obj = Objective(Network((n_in, *hidden, n_out), act, out, bias), SimpleNamespace(X=X, y=y), loss)
    theta = rng.normal(scale=0.8, size=obj.n_params)
    check_derivatives(obj, theta, rng.normal(size=obj.n_params))


def test_target_column_and_vector_are_the_same():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    a = Objective.from_arrays(X, y, hidden=(3,))
    b = Objective.from_arrays(X, y[:, None], hidden=(3,))
    theta = a.x0(rng)
    assert a.fun(theta) == b.fun(theta)
    # a (n,) target broadcast against (n,1) predictions would give a 5x5 sum instead
    assert a.fun(theta) == pytest.approx(float(np.sum((a.predict(theta).ravel() - y) ** 2)))


def test_inputs_are_not_mutated_and_gradient_is_a_new_array():
    net, obj = tutorial_problem()
    theta = np.linspace(-1, 1, net.n_params)
    v = np.ones(net.n_params)
    keep_t, keep_v = theta.copy(), v.copy()
    _, g1 = obj.fun_and_grad(theta)
    _, g2 = obj.fun_and_grad(theta + 1)
    obj.hessp(theta, v), obj.hess(theta), obj.residual_jac(theta), obj.residuals(theta)
    np.testing.assert_array_equal(theta, keep_t)
    np.testing.assert_array_equal(v, keep_v)
    assert not np.shares_memory(g1, g2) and not np.array_equal(g1, g2)


@pytest.mark.parametrize("act", list(ACTIVATIONS))
@pytest.mark.parametrize("out,loss", [("identity", "sse"), ("sigmoid", "bce"), ("sigmoid", "sse")])
def test_saturation_gives_exact_values_and_no_warning(act, out, loss):
    # an input weight of 1000 on an input of -2: pre-activation -2000, a sigmoid of exactly 0
    X = np.array([[-2.0], [2.0]])
    y = np.array([[0.0], [1.0]])
    obj = Objective(Network((1, 1, 1), act, out, bias=False), SimpleNamespace(X=X, y=y), loss)
    theta = np.array([1000.0, 1000.0])
    f, g = obj.fun_and_grad(theta)  # warnings are errors in this suite
    assert np.isfinite(f) and np.isfinite(g).all()
    assert np.isfinite(obj.hess(theta)).all()
    if act == "sigmoid":
        ws = obj._ws
        assert ws.A[0][0, 0] == 0.0 and ws.A[0][1, 0] == 1.0


def test_bce_from_logits_is_finite_when_sigmoid_saturates():
    X = np.array([[1.0], [-1.0]])
    y = np.array([[0.0], [1.0]])
    obj = Objective(Network((1, 1), output_activation="sigmoid", bias=False), SimpleNamespace(X=X, y=y), "bce")
    # logits +-800: the sigmoid is exactly 1 and 0, wrong both times; log(0) would be -inf
    assert obj.fun(np.array([800.0])) == pytest.approx(800.0)


def test_bad_configurations_are_clear_errors():
    with pytest.raises(ConfigError, match="needs a sigmoid output layer"):
        Objective.from_arrays(np.zeros((3, 2)), np.zeros(3), loss="bce")
    with pytest.raises(ConfigError, match="unknown activation 'sigmod' \\(did you mean sigmoid\\?\\)"):
        Network((2, 2, 1), activation="sigmod")
    with pytest.raises(ConfigError, match="unknown loss 'mae'"):
        Objective.from_arrays(np.zeros((3, 2)), np.zeros(3), loss="mae")
    with pytest.raises(ConfigError, match="does not fit data with 3 features"):
        Objective(Network((2, 2, 1)), SimpleNamespace(X=np.zeros((4, 3)), y=np.zeros(4)))
    with pytest.raises(ValueError, match=r"theta has shape \(5,\); this network needs \(6,\)"):
        tutorial_problem()[1].fun(np.zeros(5))


def test_objective_pickles_with_fresh_buffers():
    _, obj = tutorial_problem()
    theta = np.linspace(-1, 1, 6)
    clone = pickle.loads(pickle.dumps(obj))
    assert clone.fun_and_grad(theta)[0] == obj.fun(theta)
    assert clone._ws is not obj._ws
