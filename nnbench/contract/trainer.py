"""What a trainer plugin provides (:class:`Trainer`) and returns (:class:`TrainResult`).

A trainer's capabilities are declared once, in its :class:`Trainer` description; the
harness (to skip a problem the trainer cannot take), the ``nnbench list trainers`` listing
and the conformance kit (:mod:`nnbench.contract.testing`) all read that one declaration.

:class:`TrainResult` reads like scipy's ``OptimizeResult``
(https://docs.scipy.org/doc/scipy/reference/generated/scipy.optimize.OptimizeResult.html):
``x, fun, success, status, message, nit, nfev, njev, nhev``.

The option constraints a declaration uses (:class:`~nnbench.validation.Interval`,
:class:`~nnbench.validation.OneOf`, :class:`~nnbench.validation.InstanceOf`) are importable
from here, the plugin contract's public module.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from nnbench import defaults
from nnbench.errors import closest_names
from nnbench.contract.search import Choice, Distribution, IntUniform, LogUniform, Uniform
from nnbench.validation import Constraint, InstanceOf, Interval, OneOf, check, from_default

if TYPE_CHECKING:  # pragma: no cover
    from nnbench.core.objective import Objective

__all__ = [
    "FAMILIES",
    "DERIVATIVES",
    "Budget",
    "TrainResult",
    "Trainer",
    "TrainFunction",
    "MAX_SECONDS",
    "BUDGET_CONSTRAINTS",
    "Constraint",
    "Interval",
    "OneOf",
    "InstanceOf",
    "Distribution",
    "LogUniform",
    "Uniform",
    "IntUniform",
    "Choice",
    "closest_names",
]

#: The trainer families, in the order listings show them.
FAMILIES: tuple[str, ...] = (
    "local-gradient",
    "local-derivative-free",
    "global",
    "least-squares",
    "first-order",
)

#: The derivatives a trainer may use; each names a method of :class:`~nnbench.core.objective.Objective`.
DERIVATIVES: tuple[str, ...] = ("gradient", "hessp", "hess", "residual_jac")

#: The longest per-trial time limit, in seconds (11.6 days): the operating system's timers
#: overflow for much longer waits.
MAX_SECONDS = 1e6

#: What each :class:`Budget` field takes (:mod:`nnbench.validation`); the command line's
#: ``--max-evals`` / ``--time-limit`` and a suite file's ``[budget]`` are checked against these.
BUDGET_CONSTRAINTS: Mapping[str, Sequence[Constraint | None]] = {
    "max_evals": [Interval(Integral, 1, None, closed="left"), None],
    "max_seconds": [Interval(Real, 0, MAX_SECONDS, closed="right"), None],
}


@dataclass(frozen=True, slots=True)
class Budget:
    """The resources one trial may spend; the defaults are :mod:`nnbench.defaults`'.

    :param max_evals: most *evaluations* (calls that compute the cost: ``fun``,
        ``fun_and_grad``, ``residuals``), or ``None`` for no limit. A trainer maps it onto
        its own options (``maxfun``, ``maxiter``, ...); the harness also enforces it by
        raising :class:`~nnbench.errors.BudgetExhausted` inside the objective.
    :param max_seconds: most wall-clock seconds for the trial (at most :data:`MAX_SECONDS`), or ``None``.
    :raises ConfigError: a limit that breaks :data:`BUDGET_CONSTRAINTS` (``Budget.max_evals:
        must be a positive integer or None, got 0``).
    """

    max_evals: int | None = defaults.MAX_EVALS
    max_seconds: float | None = defaults.TIME_LIMIT_S

    def __post_init__(self) -> None:
        for name, constraints in BUDGET_CONSTRAINTS.items():
            object.__setattr__(self, name, check(getattr(self, name), constraints, f"Budget.{name}"))

    def evals_or(self, default: int) -> int:
        """``max_evals``, or ``default`` (evaluations) when the budget has no count limit."""
        return default if self.max_evals is None else int(self.max_evals)

    def stop_message(self, which: str) -> str:
        """How a run stopped by this budget says so in its ``message`` (one wording for every
        trainer): ``"stopped at the budget of 300 evaluations"`` (``which="max_evals"``) or
        ``"stopped at the time budget of 5 s"`` (``which="max_seconds"``).

        :raises ValueError: another ``which``, or ``which`` is a limit this budget does not set."""
        if which == "max_evals" and self.max_evals is not None:
            return f"stopped at the budget of {self.max_evals} evaluations"
        if which == "max_seconds" and self.max_seconds is not None:
            return f"stopped at the time budget of {self.max_seconds:g} s"
        raise ValueError(f"no {which!r} limit in {self}")


@dataclass(slots=True)
class TrainResult:
    """What a trainer returns, in scipy's ``OptimizeResult`` vocabulary.

    :param x: final weights, float64 of shape ``(n_params,)``.
    :param fun: the objective's cost at ``x`` (never a scaled variant such as
        ``least_squares``' half sum of squares). A claim, like the counts: the record keeps
        it in ``claimed["fun"]``, and its ``final_cost`` is the harness's own evaluation at ``x``.
    :param success: the optimizer's own convergence flag.
    :param status: the optimizer's own status code.
    :param message: the optimizer's own message.
    :param nit: iterations, as the optimizer counts them (``-1`` if it does not).
    :param nfev, njev, nhev: calls *claimed* by the optimizer; the harness reports the
        counts its instrumentation measured, and keeps these only for reference.
    :param skipped: the trainer declined the problem; ``message`` gives the reason.
    :param error: an exception the trainer caught and reported as this failed result
        (``"ValueError: ..."``; scipy raising on an indefinite Hessian), else ``None``.
    """

    x: np.ndarray
    fun: float
    success: bool
    status: int = 0
    message: str = ""
    nit: int = -1
    nfev: int = -1
    njev: int = -1
    nhev: int = -1
    skipped: bool = False
    error: str | None = None

    @classmethod
    def skip(cls, x0: np.ndarray, reason: str) -> "TrainResult":
        """A result that declines the problem, with ``reason`` as its message."""
        return cls(x=np.array(x0, dtype=np.float64), fun=math.nan, success=False, status=-1,
                   message=reason, skipped=True)

    @classmethod
    def from_scipy(cls, res: Any, fun: float | None = None) -> "TrainResult":
        """Convert a ``scipy.optimize.OptimizeResult``.

        :param res: the scipy result; missing fields default to ``-1``.
        :param fun: the objective's own cost at ``res.x`` when scipy's ``res.fun`` is on
            another scale (``least_squares`` reports half the sum of squares).
        """
        get = res.get if hasattr(res, "get") else (lambda k, d=None: getattr(res, k, d))
        return cls(
            x=np.asarray(res.x, dtype=np.float64).copy(),
            fun=float(res.fun if fun is None else fun),
            success=bool(get("success", False)),
            status=int(get("status", 0) or 0),
            message=str(get("message", "")),
            nit=int(get("nit", -1) if get("nit", None) is not None else -1),
            nfev=int(get("nfev", -1) if get("nfev", None) is not None else -1),
            njev=int(get("njev", -1) if get("njev", None) is not None else -1),
            nhev=int(get("nhev", -1) if get("nhev", None) is not None else -1),
        )


class TrainFunction(Protocol):
    """``train(objective, x0, budget, rng, **options) -> TrainResult``.

    :param objective: an :class:`~nnbench.core.objective.Objective` (in a trial, the harness's
        instrumented wrapper of one, with the same methods).
    :param x0: initial weights, float64 ``(n_params,)``; never mutated.
    :param budget: the :class:`Budget` to map onto the optimizer's own limits.
    :param rng: a ``numpy.random.Generator`` for everything random in the trainer.
    :param options: the trainer's own options (``--option TRAINER.KEY=VALUE``).
    """

    def __call__(self, objective: "Objective", x0: np.ndarray, budget: Budget,
                 rng: np.random.Generator, **options: Any) -> TrainResult: ...


@dataclass(frozen=True)
class Trainer:
    """The one declaration of a trainer: identity, capabilities and how to run it.

    :param name: scipy's spelling where scipy has one (``"L-BFGS-B"``, ``"trust-constr"``,
        ``"basinhopping"``), else e.g. ``"least_squares-trf"``, ``"adam"``; looked up
        case-insensitively.
    :param family: one of :data:`FAMILIES`.
    :param train: the :class:`TrainFunction`.
    :param summary: one line for listings.
    :param uses: the derivatives it is given, a subset of :data:`DERIVATIVES`.
    :param needs_bounds: it needs a box for the weights (the global optimizers).
    :param stochastic: its result depends on ``rng``.
    :param max_params: the largest number of weights it handles in reasonable time, or
        ``None``; above it the harness records a skipped trial with the reason.
    :param needs_residuals: it minimises a sum of squared residuals, so only squared-error
        losses (``sse``, ``mse``, ``half_mse``) are accepted.
    :param min_residuals_per_param: it needs at least this many residuals per weight
        (``least_squares`` method ``lm`` needs ``n_residuals >= n_params``: 1.0).
    :param options: its own options: every name it takes, with its default. An option
        not named here is an error before any trial runs.
    :param constraints: what each option takes, as scikit-learn's
        ``_parameter_constraints`` declare it (a list of :mod:`nnbench.validation`
        constraints per name, e.g. ``{"learning_rate": [Interval(Real, 0, None,
        closed="neither")]}``); an option without an entry takes a value of its default's
        type (:func:`nnbench.validation.from_default`).
    :param search_space: where tuning may search: per option, a distribution
        (:mod:`nnbench.contract.search`: ``LogUniform``, ``Uniform``, ``IntUniform``,
        ``Choice``); empty for a trainer that is not tuned (scipy's).
    :param probe_options: check given options, before the run, by one dry call of
        ``train`` on a 2-weight quadratic (:func:`nnbench.contract.options.probe`): for trainers
        that pass options to a library that validates them itself (scipy's methods).
    :param setup: a picklable function with no arguments that makes this process ready to
        run the trainer (imports its library: ``torch``, ``nevergrad``), or ``None``. Called
        once per process before the first trial of the trainer, outside every trial's clock.
    :param state_matrices: how many ``n_params x n_params`` float64 matrices the trainer
        keeps of its own (BFGS's inverse Hessian: 1; CMA-ES's covariance and its
        eigendecomposition: 3), for the memory estimate (:meth:`memory_bytes`).
    :param derivative_copies: how many arrays the size of the dense Hessian or residual
        Jacobian it is given it holds at once (the matrix and, e.g., its SVD factors: 3).
    :param plugin: the name of the plugin that registered it (filled in by the plugin
        manager).
    :param library: the optimizer library and its version, e.g. ``"torch 2.13.0"``, for
        listings; empty for nnbench's own.
    :raises ValueError: an unknown family or derivative, or constraints or a search space
        for an option that ``options`` does not name.
    """

    name: str
    family: str
    train: Callable[..., TrainResult]
    summary: str
    uses: frozenset[str] = frozenset()
    needs_bounds: bool = False
    stochastic: bool = False
    max_params: int | None = None
    needs_residuals: bool = False
    min_residuals_per_param: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)
    constraints: Mapping[str, Sequence[Constraint | None]] = field(default_factory=dict)
    search_space: Mapping[str, Distribution] = field(default_factory=dict)
    probe_options: bool = False
    setup: Callable[[], object] | None = None
    state_matrices: float = 0.0
    derivative_copies: float = 1.0
    plugin: str = ""
    library: str = ""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"trainer {self.name!r}: unknown family {self.family!r}; expected one of {', '.join(FAMILIES)}")
        object.__setattr__(self, "uses", frozenset(self.uses))
        unknown = self.uses - set(DERIVATIVES)
        if unknown:
            raise ValueError(f"trainer {self.name!r}: unknown derivatives {sorted(unknown)}; expected some of {', '.join(DERIVATIVES)}")
        if not self.name or not self.summary:
            raise ValueError("a trainer needs a non-empty name and summary")
        for what, names in (("constraints", self.constraints), ("a search space", self.search_space)):
            stray = set(names) - set(self.options)
            if stray:
                raise ValueError(f"trainer {self.name!r}: {what} for options it does not declare: {sorted(stray)}")

    def option_constraints(self, key: str) -> Sequence[Constraint | None] | None:
        """The constraints of option ``key``: declared, or derived from its default
        (``None``: the value is not checked statically)."""
        if key in self.constraints:
            return self.constraints[key]
        return from_default(self.options.get(key))

    def refusal(self, objective: "Objective") -> str | None:
        """Why this trainer declines ``objective``, or ``None`` if it takes it.

        Reads only this declaration (``max_params``, ``needs_residuals``,
        ``min_residuals_per_param``), so the harness and the conformance kit agree.
        """
        n = objective.n_params
        if self.max_params is not None and n > self.max_params:
            return (f"{self.name} handles at most {self.max_params} weights in reasonable time; "
                    f"this network has {n}")
        if self.needs_residuals and not objective.has_residuals:
            return (f"{self.name} minimises a sum of squared residuals; loss "
                    f"{objective.loss.name!r} is not a squared error (use sse, mse or half_mse)")
        if self.min_residuals_per_param and objective.n_residuals < self.min_residuals_per_param * n:
            return (f"{self.name} needs at least {self.min_residuals_per_param:g} residual(s) per weight; "
                    f"this problem has {objective.n_residuals} residuals and {n} weights")
        return None

    def memory_bytes(self, objective: "Objective") -> int:
        """Bytes a trial of this trainer on ``objective`` needs at its peak, estimated from
        this declaration: the objective's own buffers (:meth:`Objective.memory_bytes`), the
        dense Hessian (``8 n_params^2``) and the residual Jacobian (``8 n_residuals
        n_params``) where it ``uses`` them, times :attr:`derivative_copies`, and its own
        :attr:`state_matrices`.

        :returns: bytes (int).
        """
        n = objective.n_params
        derivative = 0
        if "hess" in self.uses:
            derivative += 8 * n * n
        if "residual_jac" in self.uses:
            derivative += 8 * objective.n_residuals * n
        return int(objective.memory_bytes() + derivative * self.derivative_copies + 8 * n * n * self.state_matrices)

    def with_plugin(self, plugin: str) -> "Trainer":
        """A copy with ``plugin`` set."""
        return dataclasses.replace(self, plugin=plugin)
