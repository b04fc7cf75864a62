"""Datasets generated in code: the classic neural-network problems, each from its published formula.

Every generator is deterministic (a fixed formula, or a fixed seed), so ``parity:8`` is the
same 256 rows on every machine. A generator that takes a size is a :class:`GeneratedDataset`
and is named with its size after a colon (``parity:8``, ``encoder:8``, ``friedman1:1000``);
``two_spirals`` takes none. The catalog (:mod:`nnbench.datasets.catalog`) holds the rule
that reads ``NAME:N``; ``docs/problems.md`` describes each problem and its published epochs.

* ``two_spirals``: Lang & Witbrock (1988), 194 points, classification (2 classes);
* ``parity:N``: the N-bit parity problem, all ``2**N`` rows, classification (2 classes);
* ``encoder:N``: the N-M-N encoder (Rumelhart, Hinton & Williams 1986), ``N`` one-hot rows
  whose target is the input, classification (``N`` classes, one per pattern);
* ``friedman1:N``: Friedman's (1991) first test function, ``N`` rows, regression.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from nnbench.datasets.dataset import Dataset, encode_labels
from nnbench.errors import DatasetError

__all__ = ["GeneratedDataset", "GENERATED", "two_spirals", "parity", "encoder", "friedman1", "friedman1_mean",
           "size_error", "FRIEDMAN1_SEED", "FRIEDMAN1_NOISE"]


def size_error(where: str, name: str, sizes: str, got: object) -> DatasetError:
    """The one wording of a bad size: ``"dataset parity:20: parity:N takes 2 <= N <= 16, got 20"``.

    :param where: what was given, to start the message (``"--dataset parity:20"``).
    :param name: the generator's name.
    :param sizes: the sizes it takes (:attr:`GeneratedDataset.sizes`), or ``"N a whole number"``.
    :param got: the size given: an ``int``, the text after the colon, or ``None`` for none.
    """
    given = "no size" if got is None else repr(got) if isinstance(got, str) else str(got)
    return DatasetError(f"{where}: {name}:N takes {sizes}, got {given}")


@dataclass(frozen=True, slots=True)
class GeneratedDataset:
    """A dataset generator that takes a size ``n``: called as ``generator(n)``, named ``NAME:N``.

    The plugin contract's sized loader (a callable of one parameter, see the
    ``nnbench_datasets`` hook) with its sizes declared, so that the catalog checks a size
    before anything is generated and names the allowed ones in its error.

    :param name: the name before the colon (``"parity"``).
    :param make: ``make(n) -> Dataset`` for an allowed ``n``.
    :param min_n: the smallest size.
    :param max_n: the largest size.
    :param power_of_two: only powers of two (``encoder``).
    :param description: one line for listings.
    """

    name: str
    make: Callable[[int], Dataset]
    min_n: int
    max_n: int
    power_of_two: bool = False
    description: str = ""

    @property
    def sizes(self) -> str:
        """The sizes it takes, for messages: ``"2 <= N <= 16"``, ``"N a power of two, 2 <= N <= 1024"``."""
        bounds = f"{self.min_n} <= N <= {self.max_n}"
        return f"N a power of two, {bounds}" if self.power_of_two else bounds

    def takes(self, n: int) -> bool:
        """Whether ``n`` (an ``int``, not a ``bool``) is an allowed size."""
        return (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and self.min_n <= n <= self.max_n
                and (not self.power_of_two or n & (n - 1) == 0))

    def check(self, n: int, where: str) -> None:
        """Raise :func:`size_error` unless :meth:`takes` ``n``; ``where`` starts the message."""
        if not self.takes(n):
            raise size_error(where, self.name, self.sizes, n)

    def __call__(self, n: int) -> Dataset:
        """The dataset of size ``n``, named ``NAME:N``.

        :raises DatasetError: ``n`` is not an allowed size (``"dataset parity:20: parity:N
            takes 2 <= N <= 16, got 20"``).
        """
        self.check(n, f"dataset {self.name}:{n}")
        return self.make(int(n))


#: The number of points of each spiral in Lang & Witbrock's problem (``i = 0 .. 96``).
_SPIRAL_POINTS = 97


def two_spirals() -> Dataset:
    """The two-spirals problem (Lang & Witbrock 1988), 194 points in the plane, 2 classes.

    The points of the CMU neural-network benchmark collection (``mkspiral.c`` by Alexis P.
    Wieland, MITRE Corporation, which Lang & Witbrock's data follow): for ``i = 0 .. 96``,
    ``phi = i * pi / 16``, ``r = 6.5 * (104 - i) / 104``, the point ``(r sin phi, r cos phi)``
    of class ``1`` and then its negation ``(-r sin phi, -r cos phi)`` of class ``0``, in that
    interleaved order. Each spiral makes three turns (``phi`` up to ``6 pi``) while ``r``
    shrinks from 6.5 to 0.5.

    K. J. Lang & M. J. Witbrock, "Learning to tell two spirals apart", Proceedings of the 1988
    Connectionist Models Summer School, Morgan Kaufmann, pp. 52-59.

    :returns: ``X`` float64 ``(194, 2)`` (columns ``x``, ``y``), ``y`` the one-hot code of
        the classes ``("0", "1")`` (columns ``spiral_0``, ``spiral_1``), named ``two_spirals``.
    """
    i = np.arange(_SPIRAL_POINTS, dtype=np.float64)
    phi = i * math.pi / 16.0
    r = 6.5 * (104.0 - i) / 104.0
    points = np.column_stack([r * np.sin(phi), r * np.cos(phi)])
    X = np.empty((2 * _SPIRAL_POINTS, 2))
    X[0::2], X[1::2] = points, -points
    onehot, classes = encode_labels(["1", "0"] * _SPIRAL_POINTS, "two_spirals")
    return Dataset(X, onehot, name="two_spirals", feature_names=("x", "y"), target_names=("spiral_0", "spiral_1"),
                   source="Lang & Witbrock, 'Learning to tell two spirals apart', Proceedings of the 1988 "
                          "Connectionist Models Summer School, pp. 52-59 (the CMU benchmark's mkspiral.c)",
                   classes=classes)


def _parity(n: int) -> Dataset:
    """All ``2**n`` rows of ``n`` bits and their parity; see :data:`parity`."""
    rows = np.arange(2**n)
    shifts = np.arange(n - 1, -1, -1)
    X = ((rows[:, None] >> shifts) & 1).astype(np.float64)
    odd = X.sum(axis=1).astype(np.intp) % 2
    onehot, classes = encode_labels([str(v) for v in odd], f"parity:{n}")
    return Dataset(X, onehot, name=f"parity:{n}", feature_names=tuple(f"bit_{j}" for j in range(1, n + 1)),
                   target_names=("parity_0", "parity_1"),
                   source="the N-bit parity problem (Minsky & Papert, 'Perceptrons', 1969; Rumelhart, Hinton & "
                          "Williams, 'Learning internal representations by error propagation', 1986)",
                   classes=classes)


#: ``parity:N``: every one of the ``2**N`` rows of ``N`` bits (row ``i`` is ``i`` in binary,
#: ``bit_1`` the most significant), and its class, the parity of its number of ones: ``"1"``
#: when odd, ``"0"`` when even (exclusive or at ``N = 2``). 2 classes; ``2 <= N <= 16``.
parity = GeneratedDataset("parity", _parity, 2, 16,
                          description="N bits -> their parity (2 classes), all 2**N rows")


def _encoder(n: int) -> Dataset:
    """The ``n`` one-hot rows of an ``n``-M-``n`` encoder; see :data:`encoder`."""
    labels = [str(k) for k in range(1, n + 1)]
    onehot, classes = encode_labels(labels, f"encoder:{n}")
    return Dataset(onehot, onehot, name=f"encoder:{n}", target_names=tuple(f"y_{k}" for k in range(1, n + 1)),
                   source="the N-M-N encoder problem (Rumelhart, Hinton & Williams, 'Learning internal "
                          "representations by error propagation', in Parallel Distributed Processing, vol. 1, 1986)",
                   classes=classes)


#: ``encoder:N``: the N-M-N encoder (auto-association) problem of Rumelhart, Hinton &
#: Williams (1986): ``N`` rows, row ``k`` the ``k``-th unit vector of length ``N``, and the
#: target equals the input, to be passed through a narrow hidden layer of ``M`` units
#: (``log2 N`` for the tight encoders: 8-3-8, 16-4-16). It is a classification problem of
#: ``N`` classes ``"1" .. "N"`` (row ``k`` is class ``k``; ``y`` is their one-hot code, which
#: is the input), so class accuracy counts the patterns whose largest output is the right
#: one. ``N`` a power of two, ``2 <= N <= 1024``.
encoder = GeneratedDataset("encoder", _encoder, 2, 1024, power_of_two=True,
                           description="N one-hot rows -> themselves (N classes), the N-M-N encoder")


#: The seed of ``friedman1``: its features and its noise are drawn from the two children of
#: ``numpy.random.SeedSequence(FRIEDMAN1_SEED)``.
FRIEDMAN1_SEED = 0

#: The standard deviation of ``friedman1``'s Gaussian noise (Friedman 1991: unit variance).
FRIEDMAN1_NOISE = 1.0


def friedman1_mean(X: np.ndarray) -> np.ndarray:
    """Friedman's first test function without its noise: ``10 sin(pi x1 x2) + 20 (x3 - 0.5)**2
    + 10 x4 + 5 x5`` (the features ``x6 .. x10`` do not enter).

    J. H. Friedman, "Multivariate adaptive regression splines", Annals of Statistics 19(1),
    1-67, 1991 (its simulation study of 10 uniform predictors, 5 of which matter).

    :param X: float64 ``(n, 10)`` (at least 5 columns are read).
    :returns: float64 ``(n,)``.
    """
    return (10.0 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20.0 * (X[:, 2] - 0.5) ** 2
            + 10.0 * X[:, 3] + 5.0 * X[:, 4])


def _friedman1(n: int) -> Dataset:
    """``n`` rows of Friedman's first test function; see :data:`friedman1`."""
    features_seed, noise_seed = np.random.SeedSequence(FRIEDMAN1_SEED).spawn(2)
    X = np.random.default_rng(features_seed).random((n, 10))
    noise = np.random.default_rng(noise_seed).standard_normal(n)
    y = friedman1_mean(X) + FRIEDMAN1_NOISE * noise
    return Dataset(X, y, name=f"friedman1:{n}",
                   source="Friedman, 'Multivariate adaptive regression splines', Annals of Statistics 19(1), "
                          f"1991: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + N(0, 1), seed {FRIEDMAN1_SEED}")


#: ``friedman1:N``: ``N`` rows of 10 features uniform on [0, 1) and the target
#: ``y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)**2 + 10 x4 + 5 x5 + e`` with ``e`` standard normal
#: (:func:`friedman1_mean`; Friedman 1991), a regression problem (``classes=None``). The
#: features are ``default_rng(c0).random((N, 10))`` and the noise
#: ``default_rng(c1).standard_normal(N)`` for ``c0, c1 = SeedSequence(0).spawn(2)``, two
#: streams, so the rows of ``friedman1:N`` are the first ``N`` rows of every larger one.
#: ``1 <= N <= 10**7`` (``X`` takes ``80 N`` bytes).
friedman1 = GeneratedDataset("friedman1", _friedman1, 1, 10**7,
                             description="10 uniform features -> Friedman's function + N(0, 1) noise (regression)")


GENERATED: Mapping[str, Callable[..., Dataset]] = MappingProxyType({
    "two_spirals": two_spirals,
    parity.name: parity,
    encoder.name: encoder,
    friedman1.name: friedman1,
})
"""The generated datasets by name (read-only): ``two_spirals`` is called with no arguments,
the :class:`GeneratedDataset` ones with their size (what nnbench's own plugin contributes
through the ``nnbench_datasets`` hook, beside the bundled ones)."""
