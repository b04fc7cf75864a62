"""NLopt's local optimizers as nnbench trainers: ``nlopt-LD_LBFGS``, ``nlopt-LN_BOBYQA``, ...

NLopt (Johnson, "The NLopt nonlinear-optimization package", https://github.com/stevengj/nlopt)
by its Python bindings (``nlopt.opt``). The ``LD_`` algorithms get the exact gradient:
the objective callback calls ``objective.fun_and_grad`` whenever NLopt asks for a gradient
(a non-empty ``grad`` array, written in place) and ``objective.fun`` otherwise; the ``LN_``
algorithms use no derivatives.

Options (NLopt's own stopping tolerances, all off by default as in NLopt): ``ftol_rel``,
``ftol_abs``, ``xtol_rel``, ``xtol_abs`` (one number for every weight); the ``LN_``
algorithms also ``initial_step`` (``None``: NLopt's heuristic from ``x0``); ``LD_LBFGS``
and ``LD_TNEWTON`` also ``vector_storage`` (the number of stored gradients, ``0``: NLopt's
heuristic).

Budget: ``set_maxeval(max_evals)`` and ``set_maxtime(max_seconds)``; NLopt counts every
callback as one evaluation, and nnbench's guard stops it in any case (``status=-2``).
NLopt's result code is the status; ``success`` is a positive code other than
``MAXEVAL_REACHED`` and ``MAXTIME_REACHED`` (``SUCCESS``, ``STOPVAL_REACHED``,
``FTOL_REACHED``, ``XTOL_REACHED``), the message its name. NLopt's Python bindings raise
the negative codes as exceptions (``nlopt.RoundoffLimited``, ``nlopt.ForcedStop``, their
own ``runtime_error`` class for ``FAILURE``, ...): these become results with that code.

An exception raised in the callback (above all nnbench's
:class:`~nnbench.errors.BudgetExhausted`) is kept, NLopt is stopped by ``opt.force_stop()``,
and the exception is raised again once ``optimize`` returns: it reaches the harness
whatever NLopt's C++ layer makes of an error inside the callback (``set_exceptions_enabled(False)``
would turn it into a ``SystemError``).

Seeding: ``nlopt.srand`` with an integer drawn from the trial's ``rng``
(:func:`nnbench.adapter.seed_from`); these local algorithms are deterministic, but NLopt
draws random numbers in some of its code paths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from nnbench.adapter import DEFAULT_MAX_EVALS, LibraryTrain, Outcome, Tracked, library_version, seed_from
from nnbench.hookspecs import hookimpl
from nnbench.trainer import Budget, Constraint, Interval, Trainer

__all__ = ["LIBRARY", "METHODS", "RESULTS", "TOLERANCES", "TRAINERS", "nnbench_trainers", "prepare", "solve"]

#: ``"nlopt <version>"`` when NLopt's Python bindings are installed, else ``""`` (and no trainers).
LIBRARY = library_version("nlopt")

#: NLopt's result codes by name, and whether each is a success in nnbench's sense.
RESULTS: dict[str, bool] = {
    "SUCCESS": True, "STOPVAL_REACHED": True, "FTOL_REACHED": True, "XTOL_REACHED": True,
    "MAXEVAL_REACHED": False, "MAXTIME_REACHED": False,
    "FAILURE": False, "INVALID_ARGS": False, "OUT_OF_MEMORY": False, "ROUNDOFF_LIMITED": False,
    "FORCED_STOP": False,
}

#: The stopping tolerances every trainer declares, with NLopt's defaults (0: off).
TOLERANCES: dict[str, float] = {"ftol_rel": 0.0, "ftol_abs": 0.0, "xtol_rel": 0.0, "xtol_abs": 0.0}

#: Every trainer, by NLopt's algorithm name (the trainer is ``nlopt-<name>``):
#: ``(options beyond TOLERANCES, summary)``; the family follows from ``LD_`` / ``LN_``.
METHODS: dict[str, tuple[dict[str, Any], str]] = {
    "LD_LBFGS": ({"vector_storage": 0}, "NLopt LD_LBFGS: limited-memory BFGS (Nocedal 1980, Liu & Nocedal 1989)"),
    "LD_MMA": ({}, "NLopt LD_MMA: method of moving asymptotes (Svanberg 2002)"),
    "LD_CCSAQ": ({}, "NLopt LD_CCSAQ: conservative convex separable quadratic approximations (Svanberg 2002)"),
    "LD_SLSQP": ({}, "NLopt LD_SLSQP: sequential least-squares quadratic programming (Kraft 1988)"),
    "LD_TNEWTON": ({"vector_storage": 0}, "NLopt LD_TNEWTON: truncated Newton (Dembo & Steihaug 1983)"),
    "LN_BOBYQA": ({"initial_step": None}, "NLopt LN_BOBYQA: quadratic models in a trust region (Powell 2009)"),
    "LN_NEWUOA": ({"initial_step": None}, "NLopt LN_NEWUOA: unconstrained quadratic models (Powell 2004)"),
    "LN_SBPLX": ({"initial_step": None}, "NLopt LN_SBPLX: Nelder-Mead on subspaces, Subplex (Rowan 1990)"),
    "LN_NELDERMEAD": ({"initial_step": None}, "NLopt LN_NELDERMEAD: downhill simplex (Nelder & Mead 1965)"),
}


def prepare() -> Any:
    """Import NLopt's Python bindings and return the module (a worker calls this before its
    trials' clocks start).

    :raises ImportError: nlopt is not installed.
    """
    import nlopt

    return nlopt


def solve(method: str, tracked: Tracked, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
          options: dict[str, Any]) -> Outcome:
    """NLopt's algorithm ``method`` from ``x0``, minimising ``tracked``.

    :param method: a key of :data:`METHODS`.
    :param options: :data:`TOLERANCES` and the method's own options, checked by
        :data:`CONSTRAINTS` before the run.
    :returns: NLopt's result code as ``status``, its name as the message.
    :raises BudgetExhausted: from the harness's objective, raised again after NLopt stopped.
    """
    step = options.get("initial_step")
    nlopt = prepare()
    nlopt.srand(seed_from(rng))
    opt = nlopt.opt(getattr(nlopt, method), x0.size)
    raised: list[BaseException] = []

    def objective(x: np.ndarray, grad: np.ndarray) -> float:
        try:
            if grad.size:
                cost, g = tracked.fun_and_grad(x)
                grad[:] = g
                return cost
            return tracked.fun(x)
        except Exception as exc:  # kept and raised again after optimize: NLopt's C++ layer must not see it
            raised.append(exc)
            opt.force_stop()
            return math.nan

    opt.set_min_objective(objective)
    opt.set_maxeval(budget.evals_or(DEFAULT_MAX_EVALS))
    if budget.max_seconds is not None:
        opt.set_maxtime(budget.max_seconds)
    opt.set_ftol_rel(options["ftol_rel"])
    opt.set_ftol_abs(options["ftol_abs"])
    opt.set_xtol_rel(options["xtol_rel"])
    opt.set_xtol_abs(options["xtol_abs"])
    if step is not None:
        opt.set_initial_step(float(step))
    if options.get("vector_storage"):
        opt.set_vector_storage(int(options["vector_storage"]))
    failure: Exception | None = None
    try:
        opt.optimize(x0)
    except Exception as exc:  # NLopt raises its negative result codes; judged by the code below
        failure = exc
    if raised:
        raise raised[0]
    code = opt.last_optimize_result()
    names = {getattr(nlopt, name): name for name in RESULTS}
    if failure is not None and (code >= 0 or code not in names):
        raise failure  # not one of NLopt's own results
    name = names.get(code, f"result code {code}")
    detail = f" ({failure})" if failure is not None and str(failure) else ""
    return Outcome(RESULTS.get(name, False), int(code), f"nlopt-{method}: {name}{detail}")


#: What each option takes: tolerances >= 0 (0: off), ``initial_step`` > 0 or ``None`` (NLopt's
#: heuristic), ``vector_storage`` >= 0 (0: NLopt's default).
CONSTRAINTS: Mapping[str, Sequence[Constraint | None]] = {
    **dict.fromkeys(TOLERANCES, [Interval(Real, 0, None, closed="left")]),
    "initial_step": [Interval(Real, 0, None, closed="neither"), None],
    "vector_storage": [Interval(Integral, 0, None, closed="left")]}


def _declare(method: str) -> Trainer:
    extra, summary = METHODS[method]
    defaults = {**TOLERANCES, **extra}
    gradient = method.startswith("LD_")
    name = f"nlopt-{method}"
    return Trainer(name=name, family="local-gradient" if gradient else "local-derivative-free",
                   train=LibraryTrain(name, method, solve, tuple(defaults.items())), summary=summary,
                   uses=frozenset({"gradient"}) if gradient else frozenset(), options=defaults,
                   constraints={k: CONSTRAINTS[k] for k in defaults}, library=LIBRARY, probe_options=True, setup=prepare)


#: Every trainer of this plugin, in listing order; none when nlopt is not installed.
TRAINERS: tuple[Trainer, ...] = tuple(_declare(m) for m in METHODS) if LIBRARY else ()


@hookimpl
def nnbench_trainers() -> list[Trainer]:
    """The nine NLopt trainers of :data:`METHODS`, or none when nlopt is not installed."""
    return list(TRAINERS)
