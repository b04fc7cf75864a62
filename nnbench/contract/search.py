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

import hashlib
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Distribution", "LogUniform", "Uniform", "IntUniform", "Choice", "design", "design_seed"]


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


def design_seed(name: str) -> int:
    """The seed of a trainer's tuning design: the first 8 bytes of the SHA-256 of its name,
    lower-cased, as an unsigned integer (stable across runs, processes and machines, unlike
    Python's ``hash``).

    :returns: an int in ``[0, 2**64)``.
    """
    return int.from_bytes(hashlib.sha256(name.lower().encode("utf-8")).digest()[:8], "big")


def design(space: Mapping[str, Distribution], n: int, name: str) -> list[dict[str, Any]]:
    """``n`` configurations of a search space: the first ``n`` points of a scrambled Sobol
    sequence (:class:`scipy.stats.qmc.Sobol`, Owen scrambling; Sobol 1967) in the unit cube of
    one dimension per option (keys sorted), its generator seeded by :func:`design_seed` of
    ``name``, each coordinate mapped by its option's :meth:`Distribution.value`.

    :param space: ``{option: distribution}`` (a trainer's ``search_space``), not empty.
    :param n: how many configurations, ``>= 1`` (any count: scipy's warning that a power of
        two balances the sequence best is silenced).
    :param name: the trainer's name (the design depends on it and on ``n`` only).
    :returns: ``n`` dicts ``{option: value}``, in design order (index 0 first).
    :raises ValueError: an empty space or ``n < 1``.
    """
    from scipy.stats import qmc

    if not space or n < 1:
        raise ValueError(f"a design needs a non-empty search space and n >= 1, got {len(space)} options, n={n}")
    keys = sorted(space)
    sobol = qmc.Sobol(d=len(keys), scramble=True, rng=np.random.default_rng(design_seed(name)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "balance properties ... power of 2"
        points = sobol.random(n)
    return [{k: space[k].value(float(u)) for k, u in zip(keys, row)} for row in points]
