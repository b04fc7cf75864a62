"""Variants: a trainer with given options is its own row, named by them.

A *variant* is a trainer run with a set of option values. It is named by
:func:`variant_name`, the one function that spells it: the trainer's name, then its options
that differ from their declared defaults, keys sorted, values as Python ``repr``, in
brackets (``adam[learning_rate=0.01]``; ``adam`` with ``learning_rate=0.001``, its default, is
plain ``adam``). A tuned configuration (``nnbench run --tune``) is ``adam[tuned]``
(:func:`tuned_name`), with its options in the record. The name is the record's ``variant``
field, its row in every table, figure and measure
(:func:`nnbench.reporting.ranking.row_label`), and part of its resume key.

A *sweep* (``--sweep adam.learning_rate=1e-3,1e-2``, a suite file's ``[sweep.adam]`` table,
``Suite(sweeps={"adam": {"learning_rate": [1e-3, 1e-2]}})``) makes one variant per value; several
swept keys of one trainer make their grid (:func:`resolve_sweeps`, :func:`variants_of`). Swept
values are checked by the rules of ``--option`` (:func:`nnbench.contract.options.check_option`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nnbench.contract.options import _same, check_option, probe
from nnbench.contract.trainer import Trainer
from nnbench.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from nnbench.contract.plugins import Registry

__all__ = ["variant_name", "tuned_name", "TUNED", "Variant", "SweepSetting", "settings_from_sweeps",
           "resolve_sweeps", "variants_of"]

#: The tag of a tuned configuration's variant: ``adam[tuned]``.
TUNED = "tuned"


def variant_name(trainer: Trainer, options: Mapping[str, Any]) -> str:
    """The name of ``trainer`` run with ``options``: ``name[k1=repr(v1),k2=repr(v2)]`` over the
    options whose value differs from the trainer's declared default, keys sorted; the plain
    name when there is none.

    :param trainer: the trainer's declaration (its ``options`` hold the defaults).
    :param options: parsed, checked values (:func:`nnbench.contract.options.check_option`).
    :returns: ``"adam"``, ``"adam[learning_rate=0.01]"``, ``"momentum[beta=0.5,learning_rate=0.1]"``.
    """
    parts = [f"{k}={v!r}" for k, v in sorted(options.items())
             if not (k in trainer.options and _same(trainer.options[k], v))]
    return f"{trainer.name}[{','.join(parts)}]" if parts else trainer.name


def tuned_name(trainer: Trainer | str) -> str:
    """The variant of a trainer's tuned configuration: ``adam[tuned]``."""
    name = trainer if isinstance(trainer, str) else trainer.name
    return f"{name}[{TUNED}]"


@dataclass(frozen=True)
class Variant:
    """One row a plan runs on the evaluation seeds.

    :param trainer: the trainer's declaration; :param options: its checked options.
    :param label: :func:`variant_name` of them.
    """

    trainer: Trainer
    options: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", dict(self.options))
        if not self.label:
            object.__setattr__(self, "label", variant_name(self.trainer, self.options))


@dataclass(frozen=True)
class SweepSetting:
    """The values one swept option takes, as a source gave them.

    :param trainer: the trainer's name as typed (any case); :param key: the option.
    :param values: the values, parsed (a tuple, in the order given).
    :param origin: where it was given (``"--sweep adam.learning_rate"``, ``"suite.toml, line 9:
        sweep.adam.learning_rate"``), the prefix of any error about it.
    """

    trainer: str
    key: str
    values: tuple[Any, ...]
    origin: str


def settings_from_sweeps(sweeps: Mapping[str, Mapping[str, Sequence[Any]]],
                         where: str = "Suite.sweeps") -> list[SweepSetting]:
    """:class:`SweepSetting` records from ``{trainer: {key: [values]}}`` (the Python form).

    :raises ConfigError: not a mapping of mappings of non-empty lists.
    """
    if not isinstance(sweeps, Mapping):
        raise ConfigError(f"{where}: must be a mapping of trainer name to {{option: [values]}}, got {sweeps!r}")
    out = []
    for trainer, opts in sweeps.items():
        if not isinstance(trainer, str) or not isinstance(opts, Mapping):
            raise ConfigError(f"{where}[{trainer!r}]: must be a mapping of option name to a list of values, "
                              f"got {opts!r}")
        for key, values in opts.items():
            here = f"{where}[{trainer!r}][{key!r}]"
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise ConfigError(f"{here}: must be a list of values, got {values!r}")
            values = tuple(values)
            if not values:
                raise ConfigError(f"{here}: is an empty list; give at least one value")
            out.append(SweepSetting(trainer, str(key), values, here))
    return out


def resolve_sweeps(layers: Sequence[Iterable[SweepSetting]], registry: Registry, selected: Sequence[Trainer],
                   options: Mapping[str, Mapping[str, Any]],
                   option_origins: Mapping[tuple[str, str], str] | None = None) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Check the swept options of a run.

    :param layers: sources of :class:`SweepSetting`, lowest precedence first (a suite file's,
        then the command line's); a later source's sweep of a key replaces an earlier one's.
    :param selected: the trainers the run selected. :param options: the run's fixed options
        (:func:`nnbench.contract.options.resolve`), per trainer name.
    :param option_origins: where each fixed ``(trainer, key)`` was given, for the conflict error.
    :returns: ``{trainer name: {key: checked values}}``, keys in the order first given.
    :raises ConfigError: an unknown trainer or option, a trainer not selected, a bad value
        (naming its position), one key swept twice in one source, or a key both swept and
        set by ``--option`` / ``[options]``.
    """
    chosen = {t.name for t in selected}
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    for layer in layers:
        seen: set[tuple[str, str]] = set()
        for s in layer:
            trainer = registry.trainer(s.trainer, where=s.origin)
            if trainer.name not in chosen:
                raise ConfigError(f"{s.origin}: {trainer.name} is not among the selected trainers "
                                  f"(--trainers, --exclude)")
            if (trainer.name, s.key) in seen:
                raise ConfigError(f"{s.origin}: {trainer.name} option {s.key!r} is swept twice; give its values once")
            seen.add((trainer.name, s.key))
            if s.key in options.get(trainer.name, {}):
                other = (option_origins or {}).get((trainer.name, s.key), "an option")
                raise ConfigError(f"{s.origin}: {trainer.name} option {s.key!r} is both swept and set by {other}; "
                                  "give one")
            values: list[Any] = []
            for i, v in enumerate(s.values):
                value = check_option(trainer, s.key, v, f"{s.origin}[{i}]" if len(s.values) > 1 else s.origin)
                if not any(_same(value, w) for w in values):
                    values.append(value)
            out.setdefault(trainer.name, {})[s.key] = tuple(values)
    return out


def variants_of(trainer: Trainer, options: Mapping[str, Any],
                sweeps: Mapping[str, Sequence[Any]] | None = None) -> list[Variant]:
    """The variants of one trainer: one with ``options`` when nothing is swept, else one per
    point of the grid of the swept values (:func:`itertools.product`, keys in the order given),
    each with ``options`` beside it; variants of one name are run once. Trainers that
    declare ``probe_options`` try each point (:func:`nnbench.contract.options.probe`).

    :raises ConfigError: a point the trainer's library refuses.
    """
    if not sweeps:
        return [Variant(trainer, options)]
    keys = list(sweeps)
    out: dict[str, Variant] = {}
    for point in itertools.product(*(sweeps[k] for k in keys)):
        opts = {**options, **dict(zip(keys, point))}
        if trainer.probe_options:
            probe(trainer, opts, {k: f"--sweep {trainer.name}.{k}={opts[k]!r}" if k in keys
                                  else f"--option {trainer.name}.{k}" for k in opts})
        v = Variant(trainer, opts)
        out.setdefault(v.label, v)
    return list(out.values())
