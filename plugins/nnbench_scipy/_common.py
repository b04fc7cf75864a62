"""What every scipy trainer shares: budget guard, best point seen, failures as results, and
the option declarations read from scipy's own signatures.

A scipy trainer's options are the keyword parameters of the scipy function (for
``minimize``, of the method's solver, which is what ``show_options`` documents), with
their defaults; nnbench derives each option's type from its default
(:func:`nnbench.validation.from_default`) and, since :attr:`Trainer.probe_options` is set,
tries the given values once on a 2-weight quadratic before the run
(:func:`nnbench.contract.options.probe`), so whatever scipy would refuse is refused then.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbench.adapter import Outcome, Tracked, library_version
from nnbench.errors import BudgetExhausted, ConfigError
from nnbench.trainer import Budget, Trainer, TrainResult

#: Parameters of scipy's functions that are not options: nnbench sets them (the
#: objective, its derivatives, the start, the box, the seed), they change what is
#: minimised (constraints, integrality), or they would evaluate the objective outside
#: this process or in another form (workers, vectorized), hiding evaluations from the count.
NOT_OPTIONS = frozenset({"fun", "func", "x0", "args", "kwargs", "jac", "hess", "hessp", "callback", "bounds",
                         "constraints", "method", "minimizer_kwargs", "options", "take_step", "accept_test",
                         "rng", "seed", "workers", "vectorized", "integrality", "jac_sparsity", "tr_options"})

#: ``"scipy <version>"``: the library every trainer of this plugin comes from.
LIBRARY = library_version("scipy")

#: Every trainer this plugin declares, by name (filled by :func:`declare`).
DECLARED: dict[str, Trainer] = {}

#: Half-width of the default box ``[-DEFAULT_BOUND, DEFAULT_BOUND]`` per weight for the
#: global optimizers that need bounds (option ``bound``). Sigmoid networks saturate well
#: inside it: ``expit(10) = 0.99995``.
DEFAULT_BOUND = 10.0

#: The exceptions scipy raises on a non-finite cost or a singular/indefinite matrix
#: (``numpy.linalg.LinAlgError`` is a ``ValueError``); reported as ``success=False``.
SCIPY_FAILURES = (ValueError, ArithmeticError, RuntimeError)


Solve = Callable[[Tracked, np.ndarray, Budget, np.random.Generator, dict[str, Any]], TrainResult]


@dataclass(frozen=True)
class Train:
    """A picklable ``train`` callable: refusal check, budget guard, failure handling.

    :param name: the trainer's name in :data:`DECLARED`.
    :param solve: a module-level ``solve(tracked, x0, budget, rng, options) -> TrainResult``.
    """

    name: str
    solve: Solve

    def __call__(self, objective: Any, x0: np.ndarray, budget: Budget, rng: np.random.Generator,
                 **options: Any) -> TrainResult:
        """Run the trainer; see :class:`nnbench.trainer.TrainFunction`.

        The returned ``x`` and ``fun`` are the best point the optimizer evaluated and the
        objective's cost there (scipy's ``res.x`` when its cost is that one); ``nan`` when
        no evaluated cost was finite. Stopping at the budget gives ``success=False`` and
        ``status=-2``; scipy failing on a non-finite cost or an indefinite matrix gives
        ``success=False``, ``status=-3`` and scipy's error as the message.

        :raises BudgetExhausted: from the harness's objective, untouched.
        """
        reason = DECLARED[self.name].refusal(objective)
        if reason is not None:
            return TrainResult.skip(x0, reason)
        x0 = np.array(x0, dtype=np.float64)
        tracked = Tracked(objective, budget)
        try:
            result = self.solve(tracked, x0.copy(), budget, rng, dict(options))
        except BudgetExhausted:
            if tracked.exhausted is None:
                raise  # the harness's budget, not this trainer's: the harness keeps the best point
            return tracked.stopped(self.name, x0)
        except ConfigError:  # nnbench's own refusal (not scipy failing): let it be seen
            raise
        except SCIPY_FAILURES as exc:
            error = f"{type(exc).__name__}: {exc}"
            return tracked.result(x0, Outcome(False, -3, f"{self.name} failed: {error}"), error)
        if tracked.best_x is not None and result.fun != tracked.best_cost:
            result.x, result.fun = tracked.best_x.copy(), tracked.best_cost
        elif tracked.best_x is None and tracked.evaluations:
            result.fun = math.nan  # scipy may report a moderated cost (COBYLA maps NaN to 1e30)
        if not math.isfinite(result.fun):
            result.success = False
            result.message = f"{result.message}; the cost is not finite ({result.fun})".lstrip("; ")
        return result


def from_scipy(res: Any, fun: float | None = None) -> TrainResult:
    """:meth:`TrainResult.from_scipy` with a list message (basinhopping, dual_annealing) joined."""
    result = TrainResult.from_scipy(res, fun)
    if isinstance(res.message, (list, tuple)):
        result.message = "; ".join(map(str, res.message))
    return result


def declare(name: str, family: str, solve: Solve, summary: str, options: Mapping[str, Any],
            **declaration: Any) -> Trainer:
    """Build the :class:`~nnbench.trainer.Trainer` ``name`` (its options probed before a
    run) and record it in :data:`DECLARED`."""
    declaration.setdefault("library", LIBRARY)
    trainer = Trainer(name=name, family=family, train=Train(name, solve), summary=summary, options=dict(options),
                      probe_options=True, **declaration)
    DECLARED[name] = trainer
    return trainer


def _plain(default: Any) -> Any:
    """A default as the option's declaration keeps it: numbers, strings, bools and ``None``
    as they are (NumPy scalars made Python ones), tuples as tuples; anything else (a sentinel
    object, an array) is ``None``, which leaves the value unchecked."""
    if isinstance(default, np.generic):
        return default.item()
    if default is None or isinstance(default, (bool, int, float, str, tuple)):
        return default
    return None


def signature_options(func: Callable[..., Any], drop: Iterable[str] = ()) -> dict[str, Any]:
    """The options of a scipy function: its keyword parameters that have a default, minus
    :data:`NOT_OPTIONS` and ``drop``, each with its default (:func:`_plain`)."""
    skip = NOT_OPTIONS | set(drop)
    return {n: _plain(p.default) for n, p in inspect.signature(func).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is not p.empty and n not in skip}


def documented_options(solver: str, method: str) -> dict[str, None]:
    """The option names ``scipy.optimize.show_options(solver, method)`` documents (its
    ``name : type`` lines), each with an unknown default: the fall-back where a solver's
    function cannot be found."""
    import scipy.optimize

    text = scipy.optimize.show_options(solver, method, disp=False) or ""
    names = re.findall(r"^(\w+) :", text.split("Options\n-------", 1)[-1], flags=re.MULTILINE)
    return {n: None for n in names if n not in NOT_OPTIONS}


def rng_keyword(func: Callable[..., Any], rng: np.random.Generator) -> dict[str, Any]:
    """``{"rng": rng}`` where ``func`` accepts it (scipy >= 1.15), else ``{"seed": rng}``."""
    return {"rng": rng} if "rng" in inspect.signature(func).parameters else {"seed": rng}


def box(n: int, options: Mapping[str, Any]) -> list[tuple[float, float]]:
    """``[(-b, b)] * n`` with ``b = options.get("bound", DEFAULT_BOUND)``."""
    b = float(options.get("bound", DEFAULT_BOUND))
    return [(-b, b)] * n
