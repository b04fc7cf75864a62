"""``nnbench tutorial``: the tutorial nnbench grew from, replayed step by step.

The tutorial ("Implement a Neural Network from Scratch with Python") trains a 2-2-1
sigmoid network without biases on four rows with ``scipy.optimize.minimize`` (BFGS, with
gradients by finite differences) on the sum of squared errors, then checks the fit with
``scipy.stats.pearsonr``. This replay uses the tutorial's own printed initial weights and
nnbench's exact gradient, prints what the tutorial printed, and counts how many cost
evaluations the exact gradient saves against the tutorial's finite differences.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.stats import pearsonr

from nnbench.datasets import load
from nnbench.contract.instrument import InstrumentedObjective
from nnbench.core.network import Network
from nnbench.core.objective import Objective

__all__ = ["TUTORIAL_INPUT_WEIGHTS", "TUTORIAL_OUTPUT_WEIGHTS", "tutorial_x0", "replay"]

#: The weights the tutorial printed after ``np.random.rand`` (its ``net.inputWeights``,
#: ``net.outputWeights``).
TUTORIAL_INPUT_WEIGHTS = np.array([[0.90518084, 0.71031147], [0.75555662, 0.19589718]])
TUTORIAL_OUTPUT_WEIGHTS = np.array([[0.00156605], [0.64047559]])


def tutorial_x0(network: Network) -> np.ndarray:
    """The tutorial's initial weights in nnbench's layout, float64 ``(6,)``.

    The tutorial's sigmoid is ``1 / (1 + exp(+z))``, the standard logistic of ``-z``, so
    its input weights enter negated; the linear output layer is unchanged.
    """
    return network.pack([(-TUTORIAL_INPUT_WEIGHTS, None), (TUTORIAL_OUTPUT_WEIGHTS, None)])


def replay(print_=print) -> int:
    """Print the tutorial's steps with nnbench; returns 0 (the exit status).

    :param print_: the print function (tests capture it).
    """
    data = load("tutorial")
    net = Network((2, 2, 1), activation="sigmoid", bias=False)
    obj = Objective(net, data, "sse")
    x0 = tutorial_x0(net)
    np.set_printoptions(precision=8, suppress=False)
    print_("The tutorial's data (data.csv):  X =")
    print_(data.X)
    print_("y =")
    print_(data.y)
    print_("\nNetwork: 2 inputs -> 2 sigmoid hidden neurons -> 1 linear output, no biases, 6 weights.")
    print_("Predictions with the tutorial's initial weights (it printed "
           "[0.21150694 0.28947141 0.18456373 0.32102082]):")
    print_(obj.predict(x0).ravel())
    print_(f"Cost (sum of squared errors) at those weights: {obj.fun(x0):.10f} (the tutorial: 1.2005915066)")

    exact = InstrumentedObjective(obj)
    res = minimize(exact.fun_and_grad, x0, jac=True, method="BFGS")
    fd = InstrumentedObjective(obj)
    res_fd = minimize(fd.fun, x0, method="BFGS")  # what the tutorial did: gradients by finite differences

    print_("\nscipy.optimize.minimize(method='BFGS') with nnbench's exact gradient:")
    print_(f"      fun: {res.fun!r}\n  message: {res.message!r}\n      nit: {res.nit}\n"
           f"     nfev: {res.nfev}\n     njev: {res.njev}\n  success: {res.success}\n        x: {res.x}")
    pred = obj.predict(res.x)
    print_("\nPredictions after training (targets 1, 0, 0, 1):")
    print_(pred.ravel())
    r = pearsonr(data.y.ravel(), pred.ravel())
    print_(f"\nPearson r = {r.statistic:.10f}, p-value = {r.pvalue:.3g}")
    print_("(The tutorial calls Pearson's r \"R-squared\"; they differ: R^2 here is "
           f"{1 - np.sum((data.y - pred) ** 2) / np.sum((data.y - data.y.mean()) ** 2):.10f}.)")
    print_("\nCost evaluations, counted by nnbench's instrumentation:")
    print_(f"  exact gradient (jac=True):         {exact.evaluations:4d} evaluations, final cost {res.fun:.3g}")
    print_(f"  finite differences (the tutorial): {fd.evaluations:4d} evaluations, final cost {res_fd.fun:.3g}"
           "  (the tutorial's run: 264)")
    if exact.evaluations:
        print_(f"  the exact gradient needed {fd.evaluations / exact.evaluations:.1f}x fewer evaluations")
    return 0
