"""Parameter constraints, declared once and checked everywhere.

The model is scikit-learn's ``_parameter_constraints`` (``sklearn/utils/_param_validation.py``):
every parameter that a user can set (a trainer's option, a suite's field, a budget) declares
a list of constraints once, next to its default; a value is valid when it satisfies *any* of
them. One function, :func:`check`, checks a value against its list and words every error
the same way: ``"<where>: must be a positive integer, got -5"``, where ``<where>`` says
where the value came from (``--max-evals``, ``suite.toml, line 3: budget.max_evals``,
``Suite.seeds``).

Constraints:

* :class:`Interval` -- an integer or a finite real number in a range;
* :class:`OneOf` -- one of a few strings (or other values);
* :class:`InstanceOf` -- any value of a type (``bool``, ``str``, ``Real`` ...);
* ``None`` in a list -- the value ``None`` is allowed.

:func:`from_default` derives a constraint from a default value, for options whose names
and defaults are read from a library's function signature (scipy's methods): a ``bool``
default takes a bool, an ``int`` an integer, a ``float`` a number, a ``str`` a string;
any other default (``None``, a tuple, a sentinel) leaves the value to the library.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import Field
from numbers import Integral, Real
from typing import Any, ClassVar

from nnbench.errors import ConfigError, did_you_mean

__all__ = ["Constraint", "Interval", "OneOf", "InstanceOf", "check", "violation", "from_default",
           "describe", "strings", "FieldMapping"]


class Constraint(ABC):
    """One condition on a value; subclasses say what it is (:meth:`describe`)."""

    @abstractmethod
    def is_satisfied_by(self, value: Any) -> bool:
        """Whether ``value`` meets the condition."""

    @abstractmethod
    def describe(self) -> str:
        """What a valid value is, as it follows "must be" (``"a positive integer"``)."""

    def normalize(self, value: Any) -> Any:
        """``value`` in this constraint's canonical form (``Interval(Real, ...)`` makes an int a float)."""
        return value


def _num(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class Interval(Constraint):
    """An integer (``kind=Integral``) or a finite real number (``kind=Real``) in a range.

    :param kind: :class:`numbers.Integral` or :class:`numbers.Real`; booleans are neither.
    :param left: the lower end, or ``None`` for none.
    :param right: the upper end, or ``None`` for none.
    :param closed: which ends belong to the range: ``"left"``, ``"right"``, ``"both"`` or
        ``"neither"``.
    :raises ValueError: an unknown ``kind`` or ``closed``.
    """

    def __init__(self, kind: type, left: float | None, right: float | None, closed: str = "both") -> None:
        if kind not in (Integral, Real):
            raise ValueError(f"Interval kind must be numbers.Integral or numbers.Real, not {kind!r}")
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"closed must be left, right, both or neither, not {closed!r}")
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if self.kind is Integral:
            if not _is_int(value):
                return False
        elif not _is_real(value) or not math.isfinite(value):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def normalize(self, value: Any) -> Any:
        return int(value) if self.kind is Integral else float(value)

    def describe(self) -> str:
        noun = "integer" if self.kind is Integral else "number"
        c = self.closed
        lo, hi = (self.left, self.right) if self.kind is not Integral else (
            None if self.left is None else int(self.left), None if self.right is None else int(self.right))
        if hi is None:
            if lo is None:
                return "an integer" if self.kind is Integral else "a finite number"
            if lo == 0:
                return f"a {'non-negative' if c in ('left', 'both') else 'positive'} {noun}"
            if lo == 1 and self.kind is Integral and c in ("left", "both"):
                return "a positive integer"
            return f"{'an' if noun == 'integer' else 'a'} {noun} {'>=' if c in ('left', 'both') else '>'} {_num(lo)}"
        if lo is None:
            return f"{'an' if noun == 'integer' else 'a'} {noun} {'<=' if c in ('right', 'both') else '<'} {_num(hi)}"
        if lo == 0 and c == "right":
            return f"a positive {noun} of at most {_num(hi)}"
        return (f"{'an' if noun == 'integer' else 'a'} {noun} in {'[' if c in ('left', 'both') else '('}{_num(lo)}, "
                f"{_num(hi)}{']' if c in ('right', 'both') else ')'}")

    def __repr__(self) -> str:
        return f"Interval({self.kind.__name__}, {self.left!r}, {self.right!r}, closed={self.closed!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Interval) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


class OneOf(Constraint):
    """One of a fixed set of values (compared with ``==``; strings case-sensitively).

    :param options: the valid values, in the order error messages list them.
    """

    def __init__(self, *options: Any) -> None:
        self.options = tuple(options)

    def is_satisfied_by(self, value: Any) -> bool:
        return any(type(value) is type(o) and value == o for o in self.options)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def __repr__(self) -> str:
        return f"OneOf{self.options!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OneOf) and self.options == other.options

    def __hash__(self) -> int:
        return hash(self.options)


_TYPE_NAMES = {bool: "true or false", str: "a string", Real: "a number", Integral: "an integer",
               dict: "a table", list: "a list", tuple: "a tuple"}


class InstanceOf(Constraint):
    """Any value of type ``kind`` (``bool`` is not taken as a number, nor a number as a bool).

    :param kind: a type or an abstract base class such as :class:`numbers.Real`.
    """

    def __init__(self, kind: type) -> None:
        self.kind = kind

    def is_satisfied_by(self, value: Any) -> bool:
        if self.kind in (Real, Integral, int, float) and isinstance(value, bool):
            return False
        return isinstance(value, self.kind)

    def normalize(self, value: Any) -> Any:
        return float(value) if self.kind is float else value

    def describe(self) -> str:
        return _TYPE_NAMES.get(self.kind, f"of type {self.kind.__name__}")

    def __repr__(self) -> str:
        return f"InstanceOf({self.kind.__name__})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstanceOf) and self.kind is other.kind

    def __hash__(self) -> int:
        return hash(self.kind)


def describe(constraints: Sequence[Constraint | None]) -> str:
    """What satisfies ``constraints``: ``"a positive integer or None"``."""
    parts = [("None" if c is None else c.describe()) for c in constraints]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def violation(value: Any, constraints: Sequence[Constraint | None] | None) -> str | None:
    """Why ``value`` breaks ``constraints`` (``"must be a positive integer, got -5"``), or
    ``None`` when it satisfies one of them (or ``constraints`` is ``None``: unchecked)."""
    if constraints is None:
        return None
    for c in constraints:
        if (c is None and value is None) or (c is not None and c.is_satisfied_by(value)):
            return None
    names = [o for c in constraints if isinstance(c, OneOf) for o in c.options if isinstance(o, str)]
    hint = did_you_mean(value, names) if names and isinstance(value, str) else ""
    return f"must be {describe(constraints)}, got {value!r}{hint}"


def check(value: Any, constraints: Sequence[Constraint | None] | None, where: str,
          field: str | None = None) -> Any:
    """``value`` in canonical form if it satisfies ``constraints``, else a one-line error.

    :param value: the value as given (parsed: a number, a string, a bool ...).
    :param constraints: the list declared for it; ``None`` checks nothing.
    :param where: where the value came from, the error's prefix (``"--max-evals"``).
    :param field: the field's name, kept on the error (:attr:`ConfigError.field`).
    :returns: ``value``, normalised by the first constraint it satisfies (an int given
        where a real number is declared becomes a float).
    :raises ConfigError: ``"<where>: must be <what>, got <value>"``.
    """
    if constraints is None:
        return value
    for c in constraints:
        if c is None and value is None:
            return None
        if c is not None and c.is_satisfied_by(value):
            return c.normalize(value)
    body = violation(value, constraints)
    raise ConfigError(f"{where}: {body}", field, body)


def from_default(default: Any) -> list[Constraint | None] | None:
    """Constraints derived from a default value (for options read from a signature), as
    lenient as the libraries themselves are (scipy writes ``xrtol=0`` for a float and
    ``disp=0`` for a flag):

    ``bool`` -> true or false, or an integer; ``int`` -> a number, or true or false;
    ``float`` -> a number (``inf`` included, as scipy's defaults use it); ``str`` -> a
    string. Any other default (``None``, a tuple, a sentinel object) gives ``None``: the
    value is left to the library.
    """
    if isinstance(default, bool):
        return [InstanceOf(bool), InstanceOf(Integral)]
    if isinstance(default, Integral):
        return [InstanceOf(Real), InstanceOf(bool)]
    if isinstance(default, Real):
        return [InstanceOf(Real)]
    if isinstance(default, str):
        return [InstanceOf(str)]
    return None


def strings(value: Any, where: str) -> list[str]:
    """A string or a sequence of non-empty strings, as a list (``"a,b"`` stays one string).

    :raises ConfigError: anything else, naming ``where``.
    """
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    if isinstance(value, (bytes, dict)) or not isinstance(items, Iterable):
        body = f"must be a string or a list of strings, got {value!r}"
        raise ConfigError(f"{where}: {body}", None, body)
    out = []
    for i, v in enumerate(items):
        if not isinstance(v, str) or not v.strip():
            body = f"item {i} must be a non-empty string, got {v!r}"
            raise ConfigError(f"{where}: {body}", None, body)
        out.append(v)
    return out


class FieldMapping(Mapping[str, Any]):
    """Read-only mapping access to a dataclass's fields (``record["best_cost"]`` is
    ``record.best_cost``), for code written against the JSON form of nnbench's records.
    Mix it into a dataclass; the keys are the dataclass's field names, in order."""

    __slots__ = ()
    #: set by ``@dataclass`` on the class this is mixed into
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)
