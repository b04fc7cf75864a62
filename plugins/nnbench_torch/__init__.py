"""torch.optim's optimizers as nnbench trainers, driven through nnbench's own objective.

The weights are one float64 tensor over the flat weight vector (``torch.from_numpy``: the
tensor and the numpy array share memory), and the closure every ``torch.optim`` optimizer
calls evaluates ``objective.fun_and_grad`` on that array and sets the tensor's ``.grad``
from the returned gradient. The network is not re-implemented in torch: every evaluation
is nnbench's, so counts, budgets and the best point seen stay nnbench's.

Trainers (full batch; the optimizer's own keyword names and torch 2.13's defaults, except
where said):

- ``torch-SGD``, ``torch-SGD-momentum``, ``torch-SGD-nesterov``: ``torch.optim.SGD`` with
  ``momentum=0``, with heavy-ball ``momentum=0.9`` (torch's default is 0: momentum off) and
  with ``nesterov=True, momentum=0.9``;
- ``torch-Adam``, ``torch-AdamW``, ``torch-RMSprop``, ``torch-Adagrad``;
- ``torch-LBFGS``, ``torch-LBFGS-wolfe``: ``torch.optim.LBFGS`` with a fixed step ``lr``,
  and with ``line_search_fn="strong_wolfe"``.

``betas=(beta1, beta2)`` of Adam and AdamW is given as two options ``beta1`` and ``beta2``
(``--option torch-Adam.beta2=0.99``), so that each is checked and swept as a number.

Budget: one evaluation per closure call. The first-order methods make one ``step(closure)``
per evaluation until the budget's ``max_evals`` (:data:`nnbench.adapter.DEFAULT_MAX_EVALS`
without one) or ``max_seconds`` is spent; torch has no convergence test for them, so their
runs end with ``success=False`` and ``status=-2``. LBFGS makes one ``step`` with
``max_eval = max_iter = max_evals`` and so stops by itself (``status=1``), or converges by
``tolerance_grad``/``tolerance_change`` (``success=True``, ``status=0``); its strong-Wolfe
line search may overshoot ``max_eval`` by up to 25 evaluations, which nnbench's budget guard
cuts off (``status=-2``). A non-finite cost or gradient stops the run (``status=3``).

torch is imported only when a trainer first runs (or by :func:`prepare`); listing the
trainers never imports it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnbench.adapter import DEFAULT_MAX_EVALS, LibraryTrain, Outcome, Tracked, library_version
from nnbench.hookspecs import hookimpl
from nnbench.trainer import Budget, Trainer

__all__ = ["LIBRARY", "METHODS", "TRAINERS", "nnbench_trainers", "prepare", "solve"]

#: ``"torch <version>"`` when torch is installed, else ``""`` (and no trainers).
LIBRARY = library_version("torch")

#: Every trainer, by the name after ``torch-``: ``(torch.optim class, fixed keywords, family,
#: declared options with their defaults, summary)``.
METHODS: dict[str, tuple[str, dict[str, Any], str, dict[str, Any], str]] = {
    "SGD": ("SGD", {}, "first-order", {"lr": 1e-3, "weight_decay": 0.0},
            "torch.optim.SGD, full batch: x -= lr * g"),
    "SGD-momentum": ("SGD", {}, "first-order",
                     {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0},
                     "torch.optim.SGD with heavy-ball momentum (Polyak 1964), full batch"),
    "SGD-nesterov": ("SGD", {"nesterov": True}, "first-order", {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0},
                     "torch.optim.SGD with Nesterov momentum (Sutskever et al. 2013), full batch"),
    "Adam": ("Adam", {}, "first-order",
             {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
             "torch.optim.Adam (Kingma & Ba 2015), full batch"),
    "AdamW": ("AdamW", {}, "first-order",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False},
              "torch.optim.AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019)"),
    "RMSprop": ("RMSprop", {}, "first-order",
                {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
                "torch.optim.RMSprop (Hinton 2012), full batch"),
    "Adagrad": ("Adagrad", {}, "first-order",
                {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10},
                "torch.optim.Adagrad (Duchi et al. 2011), full batch"),
    "LBFGS": ("LBFGS", {"line_search_fn": None}, "local-gradient",
              {"lr": 1.0, "tolerance_grad": 1e-7, "tolerance_change": 1e-9, "history_size": 100},
              "torch.optim.LBFGS with a fixed step lr, no line search"),
    "LBFGS-wolfe": ("LBFGS", {"line_search_fn": "strong_wolfe"}, "local-gradient",
                    {"lr": 1.0, "tolerance_grad": 1e-7, "tolerance_change": 1e-9, "history_size": 100},
                    "torch.optim.LBFGS with the strong-Wolfe line search"),
}


_WARM = False


def prepare() -> Any:
    """Import torch, make it ready, and return the module: every trainer's ``setup``, which a
    worker calls before its trials' clocks start.

    torch's first optimizer costs about 1 s more than the import (constructing one imports
    ``torch._dynamo``: 1.06 s measured here against 50 us for the second), so one of each
    class is built and stepped once on a dummy tensor here; torch's own intra-op threads are
    set to one, as nnbench pins BLAS to one thread per trial.

    :raises ImportError: torch is not installed.
    """
    global _WARM
    import torch

    if not _WARM:
        torch.set_num_threads(1)
        dummy = torch.zeros(2, dtype=torch.float64)
        for class_name in sorted({m[0] for m in METHODS.values()}):
            optimizer = getattr(torch.optim, class_name)([dummy], lr=1e-3)
            dummy.grad = torch.zeros(2, dtype=torch.float64)
            optimizer.step(lambda: 0.0)
        _WARM = True
    return torch


class _NotFinite(Exception):
    """Raised by the closure to end a run at a non-finite cost or gradient."""


def solve(method: str, tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
          options: dict[str, Any]) -> Outcome:
    """Run ``torch.optim.<class of METHODS[method]>`` on ``tracked`` from ``x0``.

    :param method: a key of :data:`METHODS`.
    :param tracked: the objective; every closure call is one ``fun_and_grad`` evaluation.
    :param x0: float64 ``(n_params,)``, updated in place by torch (the tensor is a view of it).
    :param budget: ``max_evals`` (set) and ``max_seconds``, enforced by ``tracked``.
    :param rng: unused: these methods are deterministic.
    :param options: the declared options of ``method``, checked.
    :returns: the :class:`~nnbench.adapter.Outcome`; for LBFGS, ``success`` when it converged.
    """
    torch = prepare()
    class_name, fixed, _, _, _ = METHODS[method]
    kwargs = {**fixed, **options}
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    weights = torch.from_numpy(x0)  # shares x0's memory: torch's in-place updates move x0
    evaluations = 0

    def closure() -> float:
        nonlocal evaluations
        cost, grad = tracked.fun_and_grad(x0)
        evaluations += 1
        if not (math.isfinite(cost) and np.isfinite(grad).all()):
            raise _NotFinite(cost)
        weights.grad = torch.tensor(grad, dtype=torch.float64)  # a copy: the objective may reuse its array
        return cost

    if class_name == "LBFGS":
        limit = budget.evals_or(DEFAULT_MAX_EVALS)
        optimizer = torch.optim.LBFGS([weights], max_iter=limit, max_eval=limit, **kwargs)
        try:
            optimizer.step(closure)
        except _NotFinite as exc:
            tracked.nit = optimizer.state[weights].get("n_iter", 0)
            return Outcome(False, 3, f"torch-{method}: the cost or gradient is not finite (cost {exc}) "
                                     f"after {evaluations - 1} evaluations")
        state = optimizer.state[weights]
        tracked.nit = state.get("n_iter", 0)
        if state.get("func_evals", evaluations) >= limit or tracked.nit >= limit:
            return Outcome(False, 1, f"torch-{method}: stopped at max_eval={limit}, the budget")
        if weights.grad is not None and float(weights.grad.abs().max()) <= options["tolerance_grad"]:
            return Outcome(True, 0, f"torch-{method}: max |gradient| <= tolerance_grad={options['tolerance_grad']:g}")
        return Outcome(True, 0, f"torch-{method}: change in cost or step below "
                                f"tolerance_change={options['tolerance_change']:g}")
    optimizer = getattr(torch.optim, class_name)([weights], **kwargs)
    tracked.nit = 0
    try:
        while True:  # until tracked raises BudgetExhausted (count or time)
            optimizer.step(closure)
            tracked.nit += 1
    except _NotFinite as exc:
        return Outcome(False, 3, f"torch-{method}: the cost or gradient is not finite (cost {exc}) "
                                 f"after {tracked.nit} steps")


def _declare(method: str) -> Trainer:
    _, _, family, defaults, summary = METHODS[method]
    name = f"torch-{method}"
    return Trainer(name=name, family=family, train=LibraryTrain(name, method, solve, tuple(defaults.items())),
                   summary=summary, uses=frozenset({"gradient"}), options=dict(defaults), library=LIBRARY, probe_options=True, setup=prepare)


#: Every trainer of this plugin, in listing order; none when torch is not installed.
TRAINERS: tuple[Trainer, ...] = tuple(_declare(m) for m in METHODS) if LIBRARY else ()


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """The nine torch.optim trainers, or none when torch is not installed."""
    return list(TRAINERS)
