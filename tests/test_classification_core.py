"""The core maths of classification: softmax cross-entropy, the L2 penalty, networks without
a hidden layer, class accuracy. Derivatives against central differences and closed forms."""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import expit, log_softmax, softmax
from _derivatives import check_derivatives, rel

from nnbench.core.activations import ACTIVATIONS, get_activation
from nnbench.errors import ConfigError
from nnbench.core.losses import LOSSES, TARGET_ROW_SUM_TOLERANCE
from nnbench.core.fit import class_accuracy, class_indices, fit_metrics
from nnbench.core.network import Network
from nnbench.core.objective import Objective

#: (output activation, loss) pairs that go together, one per loss
PAIRS = [("identity", "sse"), ("identity", "mse"), ("sigmoid", "half_mse"), ("sigmoid", "bce"),
         ("softmax", "cross_entropy")]
assert sorted(loss for _, loss in PAIRS) == sorted(LOSSES)


def data(rng: np.random.Generator, n: int, n_in: int, n_out: int, loss: str, probabilities: bool = False):
    """Inputs and targets that ``loss`` accepts: one-hot (or probability) rows for
    cross_entropy, 0/1 for bce, normal otherwise."""
    X = rng.normal(size=(n, n_in))
    if loss == "cross_entropy":
        if probabilities:
            y = rng.dirichlet(np.ones(n_out), size=n)
        else:
            y = np.eye(n_out)[rng.integers(n_out, size=n)]
    elif loss == "bce":
        y = (rng.uniform(size=(n, n_out)) > 0.5).astype(float)
    else:
        y = rng.normal(size=(n, n_out))
    return SimpleNamespace(X=X, y=y)


# -- softmax cross-entropy ------------------------------------------------------------------

CE_CASES = [(hidden, act, bias) for hidden, act, bias in itertools.product(
    [(5,), (4, 3), (3, 4, 2)], list(ACTIVATIONS), [True, False])]


@pytest.mark.parametrize("hidden,act,bias", CE_CASES)
def test_cross_entropy_derivatives_match_central_differences(hidden, act, bias):
    i = CE_CASES.index((hidden, act, bias))
    rng = np.random.default_rng(100 + i)
    n_classes = (2, 3, 7, 10)[i % 4]
    ds = data(rng, 11, 3, n_classes, "cross_entropy", probabilities=i % 3 == 0)
    obj = Objective(Network((3, *hidden, n_classes), act, "softmax", bias), ds, "cross_entropy")
    theta = rng.normal(scale=0.8, size=obj.n_params)
    check_derivatives(obj, theta, rng.normal(size=obj.n_params))


def test_cross_entropy_is_the_mean_negative_log_likelihood():
    rng = np.random.default_rng(0)
    for probabilities in (False, True):
        ds = data(rng, 20, 4, 5, "cross_entropy", probabilities)
        obj = Objective(Network((4, 6, 5), "tanh", "softmax"), ds, "cross_entropy")
        theta = obj.x0(rng) * 3
        (W1, b1), (W2, b2) = obj.network.unpack(theta)
        z = np.tanh(ds.X @ W1 + b1) @ W2 + b2
        expected = -np.mean(np.sum(ds.y * log_softmax(z, axis=1), axis=1))
        assert obj.fun(theta) == pytest.approx(expected, rel=1e-14)
        np.testing.assert_allclose(obj.predict(theta), softmax(z, axis=1), rtol=1e-13)


def test_hess_is_symmetric_and_its_columns_are_hvps_with_unit_vectors():
    rng = np.random.default_rng(1)
    ds = data(rng, 13, 4, 6, "cross_entropy")
    obj = Objective(Network((4, 5, 3, 6), "sigmoid", "softmax"), ds, "cross_entropy", l2=0.3)
    theta = rng.normal(size=obj.n_params)
    H = obj.hess(theta)
    np.testing.assert_array_equal(H, H.T)
    cols = np.stack([obj.hessp(theta, e) for e in np.eye(obj.n_params)], axis=1)
    assert rel(H, cols) < 1e-13
    # the softmax Hessian is not diagonal in z: a diagonal one would differ from this
    assert np.abs(H).max() > 0 and not np.allclose(H, np.diag(np.diag(H)))


@pytest.mark.parametrize("bias", [True, False])
def test_multinomial_logistic_regression_closed_forms(bias):
    # no hidden layer: with x~ = (x, 1) (or x without biases) and W~ = [W; b] in theta's
    # order, grad = X~^T (P - Y) / n and H = (1/n) sum_i (x~_i x~_i^T) kron (diag(p_i) - p_i p_i^T)
    rng = np.random.default_rng(2)
    ds = data(rng, 30, 3, 4, "cross_entropy")
    obj = Objective(Network((3, 4), output_activation="softmax", bias=bias), ds, "cross_entropy")
    theta = rng.normal(size=obj.n_params)
    Xt = np.hstack([ds.X, np.ones((30, 1))]) if bias else ds.X
    Wt = theta.reshape(Xt.shape[1], 4)
    P = softmax(Xt @ Wt, axis=1)
    grad = (Xt.T @ (P - ds.y) / 30).ravel()
    H = sum(np.kron(np.outer(x, x), np.diag(p) - np.outer(p, p)) for x, p in zip(Xt, P)) / 30
    cost, g = obj.fun_and_grad(theta)
    assert cost == pytest.approx(-np.mean(np.sum(ds.y * np.log(P), axis=1)), rel=1e-13)
    assert rel(g, grad) < 1e-13
    assert rel(obj.hess(theta), H) < 1e-13


@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_saturated_softmax_gives_finite_exact_values_without_warnings(act):
    # logits of +-1000 and 0: the softmax is exactly (1, 0, 0); log(0) would be -inf.
    # Warnings are errors in this suite; numpy's floating-point errors are errors here too.
    X = np.array([[1.0], [-1.0]])
    y = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    net = Network((1, 1, 3), act, "softmax", bias=False)
    obj = Objective(net, SimpleNamespace(X=X, y=y), "cross_entropy")
    # one hidden unit that passes x on (relu: only for x > 0), output weights (1000, -1000, 0)
    theta = net.pack([(np.array([[1.0]]), None), (np.array([[1000.0, -1000.0, 0.0]]), None)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        f, g = obj.fun_and_grad(theta)
        hv, H = obj.hessp(theta, np.ones(obj.n_params)), obj.hess(theta)
    assert np.isfinite(f) and np.isfinite(g).all() and np.isfinite(hv).all() and np.isfinite(H).all()
    z = obj._ws.Z[-1]
    expected = np.mean(np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1) - z[:, 1])
    assert f == pytest.approx(expected, rel=1e-15)
    if act == "identity":  # z = (1000, -1000, 0) and (-1000, 1000, 0); the target is class 1
        assert f == pytest.approx((2000.0 + 0.0) / 2, rel=1e-15)
        np.testing.assert_array_equal(obj.predict(theta), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_cross_entropy_of_logits_1e3_directly():
    # no hidden layer, bias only: the logits are the bias, (1e3, -1e3)
    X = np.zeros((2, 1))
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    net = Network((1, 2), output_activation="softmax")
    obj = Objective(net, SimpleNamespace(X=X, y=y), "cross_entropy")
    theta = np.array([0.0, 0.0, 1e3, -1e3])
    with np.errstate(all="raise", under="ignore"):
        f, g = obj.fun_and_grad(theta)
    assert f == 1000.0  # sample 0 costs 0, sample 1 costs 2000, the mean is 1000
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.5, -0.5])  # (p - y) / n, summed over samples


def test_softmax_and_cross_entropy_pairing_errors_are_exact():
    X, y = np.zeros((3, 2)), np.eye(3)
    with pytest.raises(ConfigError) as e:
        Objective.from_arrays(X, y, output_activation="softmax", loss="mse")
    assert str(e.value) == ("output activation 'softmax' needs the loss cross_entropy "
                            "(--loss cross_entropy), not 'mse'")
    with pytest.raises(ConfigError) as e:
        Objective.from_arrays(X, y, output_activation="identity", loss="cross_entropy")
    assert str(e.value) == ("loss 'cross_entropy' needs a softmax output layer "
                            "(--output-activation softmax), not 'identity'")
    with pytest.raises(ConfigError) as e:
        Objective.from_arrays(X, y[:, :1], output_activation="sigmoid", loss="cross_entropy")
    assert str(e.value) == ("loss 'cross_entropy' needs a softmax output layer "
                            "(--output-activation softmax), not 'sigmoid'")
    with pytest.raises(ConfigError) as e:
        Network((2, 3, 3), activation="softmax")
    assert str(e.value) == ("softmax is an output activation only (--output-activation softmax); "
                            "the hidden layers need an element-wise one: sigmoid, tanh, relu, identity")
    with pytest.raises(ConfigError) as e:
        Network((2, 3, 1), output_activation="softmax")
    assert str(e.value) == ("a softmax output layer needs at least 2 outputs (one per class), got 1; "
                            "for two classes in one output use a sigmoid output with the loss bce")
    assert get_activation("Softmax").name == "softmax"


def test_cross_entropy_targets_must_be_distributions():
    X = np.zeros((3, 2))
    kw = {"output_activation": "softmax", "loss": "cross_entropy"}
    with pytest.raises(ConfigError) as e:
        Objective.from_arrays(X, [[1, 0], [0.5, 0.4], [0.2, 0.2]], **kw)
    assert str(e.value) == ("loss 'cross_entropy' needs target rows that sum to 1 (one-hot or "
                            "probabilities); row 1 (counting from 0) sums to 0.90000000000000002 "
                            "(2 rows in all)")
    with pytest.raises(ConfigError) as e:
        Objective.from_arrays(X, [[2, -1], [0, 1], [1, 0]], **kw)
    assert str(e.value) == ("loss 'cross_entropy' needs targets in [0, 1] (one-hot or probability rows, "
                            "one column per class); these range from -1 to 2")
    # rounding within the tolerance is accepted: 0.7 + 0.2 + 0.1 is not exactly 1 in float64
    y = np.array([[0.7, 0.2, 0.1]] * 3)
    assert 0 < abs(y[0].sum() - 1) <= TARGET_ROW_SUM_TOLERANCE
    Objective.from_arrays(X, y, **kw)


# -- the L2 penalty -------------------------------------------------------------------------

L2_CASES = [(hidden, out, loss, bias) for hidden, (out, loss), bias in itertools.product(
    [(), (4,), (3, 2)], PAIRS, [True, False])]


@pytest.mark.parametrize("hidden,out,loss,bias", L2_CASES)
def test_l2_derivatives_match_central_differences(hidden, out, loss, bias):
    rng = np.random.default_rng(200 + L2_CASES.index((hidden, out, loss, bias)))
    ds = data(rng, 9, 3, 3, loss)
    obj = Objective(Network((3, *hidden, 3), "tanh", out, bias), ds, loss, l2=0.7)
    theta = rng.normal(scale=0.8, size=obj.n_params)
    check_derivatives(obj, theta, rng.normal(size=obj.n_params))
    if obj.has_residuals:
        assert obj.n_residuals == 9 * 3 + obj.network.n_weights


@pytest.mark.parametrize("out,loss", PAIRS)
def test_l2_penalty_alone_is_its_closed_form(out, loss):
    # the objective with l2 minus the one without: (alpha/2) ||W||^2, alpha W on the weights
    # and 0 on the biases, alpha on the weights' diagonal of the Hessian
    rng = np.random.default_rng(3)
    alpha = 0.25
    ds = data(rng, 8, 3, 2, loss)
    net = Network((3, 4, 2), "sigmoid", out)
    plain, pen = Objective(net, ds, loss), Objective(net, ds, loss, l2=alpha)
    theta = rng.normal(size=net.n_params)
    v = rng.normal(size=net.n_params)
    W = [W for W, _ in net.unpack(theta)]
    mask = np.zeros(net.n_params)
    for s in net.weight_slices:
        mask[s] = 1.0
    assert net.n_weights == mask.sum() == 3 * 4 + 4 * 2
    penalty = alpha / 2 * sum((w ** 2).sum() for w in W)
    assert pen.fun(theta) - plain.fun(theta) == pytest.approx(penalty, rel=1e-12)
    np.testing.assert_allclose(pen.grad(theta) - plain.grad(theta), alpha * mask * theta,
                               rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(pen.hessp(theta, v) - plain.hessp(theta, v), alpha * mask * v,
                               rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(pen.hess(theta) - plain.hess(theta), alpha * np.diag(mask), atol=1e-14)
    # at theta = 0 the penalty and its gradient vanish
    zero = np.zeros(net.n_params)
    assert pen.fun(zero) == plain.fun(zero)
    np.testing.assert_array_equal(pen.grad(zero), plain.grad(zero))
    if pen.has_residuals:
        r = pen.residuals(theta)
        np.testing.assert_array_equal(r[:16], plain.residuals(theta))
        np.testing.assert_allclose(r[16:], math.sqrt(alpha / 2) * theta[mask == 1], rtol=1e-15)
        assert r @ r == pytest.approx(pen.fun(theta), rel=1e-12)


def test_l2_zero_is_exactly_no_penalty():
    rng = np.random.default_rng(4)
    ds = data(rng, 7, 2, 1, "sse")
    a = Objective.from_arrays(ds.X, ds.y, hidden=(3,))
    b = Objective.from_arrays(ds.X, ds.y, hidden=(3,), l2=0)
    theta = rng.normal(size=a.n_params)
    assert a.fun_and_grad(theta)[0] == b.fun_and_grad(theta)[0]
    np.testing.assert_array_equal(a.hess(theta), b.hess(theta))
    assert a.n_residuals == b.n_residuals == 7 and b.l2 == 0.0 and "l2" not in b.describe()
    assert Objective.from_arrays(ds.X, ds.y, hidden=(3,), l2=2).describe()["l2"] == 2.0


@pytest.mark.parametrize("bad", [-1e-3, math.nan, math.inf, "0.1", True, None])
def test_l2_must_be_a_finite_number_at_least_0(bad):
    with pytest.raises(ConfigError) as e:
        Objective.from_arrays(np.zeros((3, 2)), np.zeros(3), l2=bad)
    assert str(e.value) == ("l2 (the penalty alpha/2 ||W||^2 on the weights) must be a finite "
                            f"number >= 0, got {bad!r}")


# -- no hidden layer --------------------------------------------------------------------------

@pytest.mark.parametrize("out,loss", PAIRS + [("sigmoid", "sse")])
@pytest.mark.parametrize("bias", [True, False])
def test_network_without_hidden_layer_has_exact_derivatives(out, loss, bias):
    rng = np.random.default_rng(5)
    ds = data(rng, 10, 4, 3, loss)
    net = Network((4, 3), "relu", out, bias)
    assert net.n_layers == 1 and net.n_params == 4 * 3 + 3 * bias
    for l2 in (0.0, 0.5):
        obj = Objective(net, ds, loss, l2=l2)
        check_derivatives(obj, rng.normal(size=net.n_params), rng.normal(size=net.n_params))


def test_linear_least_squares_optimum_has_zero_gradient():
    # a linear model (no hidden layer, identity output) on SSE is linear least squares: its
    # optimum is numpy.linalg.lstsq's, where nnbench's gradient is 0 and its Hessian 2 X~^T X~
    rng = np.random.default_rng(6)
    X = rng.normal(size=(50, 4))
    y = X @ [1.0, -2.0, 0.5, 3.0] + 0.7 + 0.1 * rng.normal(size=50)
    obj = Objective.from_arrays(X, y, hidden=())
    Xt = np.hstack([X, np.ones((50, 1))])
    theta, *_ = np.linalg.lstsq(Xt, y, rcond=None)  # theta's order: W (4 x 1), then b
    cost, g = obj.fun_and_grad(theta)
    assert cost == pytest.approx(np.sum((Xt @ theta - y) ** 2), rel=1e-13)
    assert np.linalg.norm(g) <= 1e-12 * np.linalg.norm(2 * Xt.T @ y)
    np.testing.assert_allclose(obj.hess(theta), 2 * Xt.T @ Xt, rtol=1e-13)
    np.testing.assert_allclose(obj.residual_jac(theta), Xt, rtol=1e-15)
    # ridge without a penalty on the intercept: (2 X~^T X~ + alpha D) theta = 2 X~^T y,
    # D the identity on the weights and 0 on the bias
    alpha = 3.0
    ridge = Objective.from_arrays(X, y, hidden=(), l2=alpha)
    D = np.diag([1.0, 1.0, 1.0, 1.0, 0.0])
    theta_r = np.linalg.solve(2 * Xt.T @ Xt + alpha * D, 2 * Xt.T @ y)
    assert np.linalg.norm(ridge.grad(theta_r)) <= 1e-12 * np.linalg.norm(2 * Xt.T @ y)
    assert not np.allclose(theta_r, theta)
    # and as least squares: the stacked residuals' Jacobian is [X~; sqrt(alpha/2) D]
    np.testing.assert_allclose(ridge.residual_jac(theta_r), np.vstack([Xt, math.sqrt(alpha / 2) * D[:4]]),
                               rtol=1e-15)


def test_logistic_regression_gradient_is_its_closed_form():
    rng = np.random.default_rng(7)
    ds = data(rng, 40, 3, 1, "bce")
    obj = Objective(Network((3, 1), output_activation="sigmoid"), ds, "bce")
    theta = rng.normal(size=4)
    Xt = np.hstack([ds.X, np.ones((40, 1))])
    p = expit(Xt @ theta)
    cost, g = obj.fun_and_grad(theta)
    y = ds.y[:, 0]
    assert cost == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)), rel=1e-13)
    assert rel(g, Xt.T @ (p - y) / 40) < 1e-13
    assert rel(obj.hess(theta), Xt.T @ (Xt * (p * (1 - p))[:, None]) / 40) < 1e-13


def test_identity_hidden_layers_are_a_linear_model():
    # identity hidden layers compose to one matrix; their derivatives read the activation
    # of a linear layer, which is its pre-activation (Workspace aliases them)
    rng = np.random.default_rng(8)
    ds = data(rng, 12, 3, 2, "sse")
    net = Network((3, 4, 2), "identity", bias=False)
    obj = Objective(net, ds, "sse")
    theta = rng.normal(size=net.n_params)
    (W1, _), (W2, _) = net.unpack(theta)
    assert obj.fun(theta) == pytest.approx(np.sum((ds.X @ W1 @ W2 - ds.y) ** 2), rel=1e-13)
    check_derivatives(obj, theta, rng.normal(size=net.n_params))


# -- class accuracy ---------------------------------------------------------------------------

def test_class_accuracy_by_argmax_for_several_outputs():
    y = np.eye(3)[[0, 1, 2, 1, 0]]
    pred = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6], [0.4, 0.3, 0.3]])
    acc = class_accuracy(y, pred)
    assert acc == 0.6 and type(acc) is float
    pred[0, 0] = np.nan  # a non-finite prediction is never right
    assert class_accuracy(y, pred) == 0.4
    assert class_accuracy(y, y) == 1.0 and class_accuracy(y, 1 - y) == 0.0
    # probability targets: the class is the most probable one
    assert class_accuracy([[0.2, 0.8], [0.6, 0.4]], [[0.1, 0.9], [0.1, 0.9]]) == 0.5


def test_class_accuracy_by_threshold_for_one_output():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    pred = np.array([0.2, 0.7, 0.5, 0.51])  # 0.5 itself is class 0
    assert class_accuracy(y, pred) == 0.5
    assert class_accuracy(y[:, None], pred[:, None]) == 0.5
    # the same rule as fit_metrics' accuracy of a sigmoid classifier
    assert fit_metrics(y, pred, classifier=True).accuracy == 0.5


def test_class_indices_of_several_outputs_and_of_one():
    y = np.eye(3)[[0, 1, 2, 1, 0]]
    pred = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6], [np.nan, 0.3, 0.3]])
    target, predicted = class_indices(y, pred)
    assert target.tolist() == [0, 1, 2, 1, 0] and predicted.tolist() == [0, 1, 0, 2, -1]
    assert target.dtype == predicted.dtype == np.int64
    # one sigmoid output: class 1 above 0.5; an infinite output has no class
    target, predicted = class_indices([0.0, 1.0, 1.0, 0.0], [0.2, 0.7, 0.5, np.inf])
    assert target.tolist() == [0, 1, 1, 0] and predicted.tolist() == [0, 1, 0, -1]


def test_class_accuracy_rejects_what_it_cannot_score():
    with pytest.raises(ConfigError, match=r"of one shape \(n_samples, n_outputs\), got \(2, 3\) and \(2, 2\)"):
        class_accuracy(np.eye(3)[:2], np.zeros((2, 2)))
    with pytest.raises(ConfigError, match="needs targets that are all 0 or 1"):
        class_accuracy([0.0, 0.5], [0.1, 0.2])
    with pytest.raises(ConfigError, match="at least one sample"):
        class_accuracy(np.zeros((0, 2)), np.zeros((0, 2)))


def test_trained_softmax_classifier_separates_its_classes():
    # three separated blobs, multinomial logistic regression by scipy's L-BFGS-B on the
    # exact gradient: every training sample ends up in its class
    from scipy.optimize import minimize

    rng = np.random.default_rng(9)
    centres = np.array([[0.0, 4.0], [4.0, 0.0], [-4.0, -4.0]])
    labels = rng.integers(3, size=60)
    X = centres[labels] + rng.normal(size=(60, 2))
    obj = Objective.from_arrays(X, np.eye(3)[labels], hidden=(), output_activation="softmax",
                                loss="cross_entropy", l2=1e-3)
    res = minimize(obj.fun_and_grad, np.zeros(obj.n_params), jac=True, method="L-BFGS-B")
    assert res.success
    assert class_accuracy(obj.y, obj.predict(res.x)) == 1.0
    assert np.linalg.norm(obj.grad(res.x)) < 1e-4
