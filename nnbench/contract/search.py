"""Search spaces: where a trainer's options may be tuned, declared once in its ``Trainer``.

A trainer's ``search_space`` maps option names to a distribution over values; tuning
(``nnbench run --tune N``) draws ``N`` configurations from a scrambled Sobol design in the unit
cube (:mod:`scipy.stats.qmc`) and maps each coordinate ``u`` in ``[0, 1)`` to a value with the
option's distribution (:meth:`Distribution.value`):

* :class:`LogUniform` -- ``low * (high / low) ** u``: a scale parameter such as a learning rate;
* :class:`Uniform` -- ``low + u (high - low)``: a fraction such as a momentum;
* :class:`IntUniform` -- the integers ``low .. high``, each with probability ``1 / (high - low + 1)``;
* :class:`Choice` -- one of a few values, each equally likely.

The conformance kit (:func:`nnbench.contract.testing.check_search_space`) checks that every
name is one of the trainer's options and that every value a distribution gives satisfies the
option's declared constraints.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

__all__ = ["Distribution", "LogUniform", "Uniform", "IntUniform", "Choice"]


class Distribution(ABC):
    """A distribution of one option's values over the unit interval."""

    @abstractmethod
    def value(self, u: float) -> Any:
        """The value at coordinate ``u`` in ``[0, 1)`` (a quantile function: uniform ``u``
        gives values with this distribution)."""

    @abstractmethod
    def describe(self) -> str:
        """One line for listings and reports (``"log-uniform on [0.0001, 1]"``)."""


def _check_range(low: float, high: float, what: str) -> None:
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{what} needs finite low < high, got [{low}, {high}]")


@dataclass(frozen=True)
class LogUniform(Distribution):
    """Log-uniform on ``[low, high]``, ``0 < low < high``: every decade equally likely.

    :raises ValueError: ``low`` not positive, or not below ``high``.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range(self.low, self.high, "LogUniform")
        if self.low <= 0:
            raise ValueError(f"LogUniform needs 0 < low, got {self.low}")

    def value(self, u: float) -> float:
        return float(self.low * (self.high / self.low) ** u)

    def describe(self) -> str:
        return f"log-uniform on [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high)``.

    :raises ValueError: ``low`` not below ``high``.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_range(self.low, self.high, "Uniform")

    def value(self, u: float) -> float:
        return float(self.low + u * (self.high - self.low))

    def describe(self) -> str:
        return f"uniform on [{self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class IntUniform(Distribution):
    """The integers ``low, low + 1, ..., high``, equally likely.

    :raises ValueError: ``low`` above ``high``, or not integers.
    """

    low: int
    high: int

    def __post_init__(self) -> None:
        if not (isinstance(self.low, int) and isinstance(self.high, int) and self.low <= self.high):
            raise ValueError(f"IntUniform needs integers low <= high, got [{self.low}, {self.high}]")

    def value(self, u: float) -> int:
        return min(self.high, self.low + int(u * (self.high - self.low + 1)))

    def describe(self) -> str:
        return f"integers {self.low} to {self.high}"


@dataclass(frozen=True)
class Choice(Distribution):
    """One of ``options``, equally likely.

    :raises ValueError: no option.
    """

    options: tuple[Any, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        if not self.options:
            raise ValueError("Choice needs at least one option")

    def value(self, u: float) -> Any:
        return self.options[min(len(self.options) - 1, int(u * len(self.options)))]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)
