"""Trainer options: merged from every source, checked against their declaration, before any trial.

Options reach a run from the command line (``--option BFGS.gtol=1e-8``), a suite file
(``[options.BFGS]``) and :class:`nnbench.Suite` (``options={"BFGS": {"gtol": 1e-8}}``).
Each source turns what it was given into :class:`OptionSetting` records that say where
each value came from, and :func:`resolve` is the one place that

* resolves trainer names case-insensitively (``bfgs`` is ``BFGS``);
* merges the sources, a later one overriding an earlier one (the command line over a
  suite file); one source giving one option two different values is an error naming both;
* checks every option against its trainer's declaration
  (:attr:`nnbench.contract.trainer.Trainer.options` and :attr:`~nnbench.contract.trainer.Trainer.constraints`):
  an unknown name, a value of the wrong type or out of range is a one-line
  :class:`~nnbench.errors.ConfigError` such as
  ``--option BFGS.gtoll: BFGS has no option 'gtoll' (did you mean gtol?)``;
* for trainers that declare ``probe_options`` (scipy's), tries the options in one dry
  call of ``train`` on a 2-weight quadratic (:func:`probe`), so that whatever else the
  library would refuse is refused before the run, not as failed rows.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnbench.errors import BudgetExhausted, ConfigError, did_you_mean
from nnbench.contract.trainer import Budget, Trainer, TrainResult
from nnbench.validation import check

if TYPE_CHECKING:  # pragma: no cover
    from nnbench.contract.plugins import Registry

__all__ = ["OptionSetting", "settings_from_mapping", "resolve", "check_option", "probe", "PROBE_BUDGET"]

#: The budget of the dry call :func:`probe` makes.
PROBE_BUDGET = Budget(max_evals=50, max_seconds=5.0)


@dataclass(frozen=True)
class OptionSetting:
    """One option value as a source gave it.

    :param trainer: the trainer's name as typed (any case).
    :param key: the option's name.
    :param value: the value, parsed (a number, bool, string, tuple ...).
    :param origin: where it was given, the prefix of any error about it
        (``"--option bfgs.gtol"``, ``"suite.toml, line 9: options.bfgs.gtol"``).
    """

    trainer: str
    key: str
    value: Any
    origin: str


def settings_from_mapping(options: Mapping[str, Mapping[str, Any]], where: str = "Suite.options") -> list[OptionSetting]:
    """:class:`OptionSetting` records from ``{trainer: {key: value}}`` (the Python form).

    :param where: the name of the mapping, for origins like ``Suite.options['adam']['learning_rate']``.
    :raises ConfigError: not a mapping of mappings with string keys.
    """
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}: must be a mapping of trainer name to its options, got {options!r}")
    out = []
    for trainer, opts in options.items():
        if not isinstance(trainer, str) or not isinstance(opts, Mapping):
            raise ConfigError(f"{where}[{trainer!r}]: must be a mapping of option name to value, got {opts!r}")
        for key, value in opts.items():
            if not isinstance(key, str):
                raise ConfigError(f"{where}[{trainer!r}]: option names must be strings, got {key!r}")
            out.append(OptionSetting(trainer, key, value, f"{where}[{trainer!r}][{key!r}]"))
    return out


def check_option(trainer: Trainer, key: str, value: Any, origin: str) -> Any:
    """``value`` checked against ``trainer``'s declaration of option ``key``, in canonical form.

    :raises ConfigError: ``"<origin>: adam has no option 'learning_rat' (did you mean
        learning_rate?)"`` (the list of its options when none is close) or ``"<origin>:
        must be a positive number, got -1"``.
    """
    if key not in trainer.options:
        if not trainer.options:
            raise ConfigError(f"{origin}: {trainer.name} takes no options")
        hint = did_you_mean(key, trainer.options) or f"; its options: {', '.join(sorted(trainer.options))}"
        raise ConfigError(f"{origin}: {trainer.name} has no option {key!r}{hint}")
    return check(value, trainer.option_constraints(key), origin)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(type(a) is type(b) and a == b) or (
            isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)
            and not isinstance(b, bool) and a == b)
    except Exception:  # an exotic value whose == raises: not the same
        return False


def resolve(layers: Sequence[Iterable[OptionSetting]], registry: Registry,
            selected: Sequence[Trainer]) -> dict[str, dict[str, Any]]:
    """Merge, check and probe the options of a run.

    :param layers: sources, each an iterable of :class:`OptionSetting`, lowest precedence
        first (a suite file's, then the command line's).
    :param registry: resolves trainer names (case-insensitively), with the closest names
        when one is unknown.
    :param selected: the trainers the run selected; options for any other are an error.
    :returns: ``{trainer name: {key: value}}`` in the trainers' own spelling, values checked
        and in canonical form (:func:`nnbench.validation.check`).
    :raises ConfigError: an unknown trainer, options for a trainer not selected, two values
        for one option within one source (naming both), an unknown option, a bad value, or
        a value the trainer's library refuses in :func:`probe`.
    """
    chosen = {t.name for t in selected}
    merged: dict[str, dict[str, tuple[Any, str]]] = {}
    for layer in layers:
        here: dict[tuple[str, str], OptionSetting] = {}
        for s in layer:
            trainer = registry.trainer(s.trainer, where=s.origin)
            if trainer.name not in chosen:
                raise ConfigError(f"{s.origin}: {trainer.name} is not among the selected trainers "
                                  f"(--trainers, --exclude)")
            value = check_option(trainer, s.key, s.value, s.origin)
            other = here.get((trainer.name, s.key))
            if other is not None and not _same(check_option(trainer, s.key, other.value, other.origin), value):
                raise ConfigError(f"{s.origin}: {s.value!r} conflicts with {other.origin} = {other.value!r} "
                                  f"(both set {trainer.name} option {s.key!r})")
            here[(trainer.name, s.key)] = s
            merged.setdefault(trainer.name, {})[s.key] = (value, s.origin)
    out: dict[str, dict[str, Any]] = {}
    for name, opts in merged.items():
        trainer = registry.trainer(name)
        values = {k: v for k, (v, _) in opts.items()}
        if trainer.probe_options:
            probe(trainer, values, {k: o for k, (_, o) in opts.items()})
        out[name] = values
    return out


_PROBED: dict[tuple[str, str, str], str | None] = {}


def _quadratic() -> Any:
    """A 2-weight least-squares quadratic: a linear model y = w x + b on 4 points (y = 2x + 1)."""
    from nnbench.core.network import Network
    from nnbench.core.objective import Objective

    data = type("ProbeData", (), {"X": np.array([[0.0], [1.0], [2.0], [3.0]]),
                                  "y": np.array([[1.0], [3.0], [5.0], [7.0]]), "name": "probe"})
    return Objective(Network((1, 1), activation="identity"), data, loss="sse")


def _dry_call(trainer: Trainer, options: Mapping[str, Any]) -> str | None:
    """Why ``trainer`` refuses ``options`` on the probe quadratic, or ``None``."""
    key = (trainer.plugin, trainer.name, repr(sorted(options.items(), key=lambda kv: kv[0])))
    if key in _PROBED:
        return _PROBED[key]
    from nnbench.contract.instrument import InstrumentedObjective

    objective = InstrumentedObjective(_quadratic(), PROBE_BUDGET)
    reason: str | None = None
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            result = trainer.train(objective, np.zeros(2), PROBE_BUDGET, np.random.default_rng(0), **options)
        except BudgetExhausted:
            result = None
        except Exception as exc:  # whatever the library raises on a bad value is the reason
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if isinstance(result, TrainResult) and result.error is not None:
                reason = result.error
    _PROBED[key] = reason
    return reason


def probe(trainer: Trainer, options: Mapping[str, Any], origins: Mapping[str, str]) -> None:
    """Run ``trainer`` once with ``options`` on a 2-weight quadratic (at most
    :data:`PROBE_BUDGET`, stdout and warnings swallowed) and raise if it refuses them.

    Every declared check has passed by then; this catches what only the library knows
    (``BFGS.gtol='abc'`` makes scipy compare a string with a number). When the options
    together fail, each is tried alone to name the one at fault. Results are cached per
    trainer and options, so the command line, a suite file and the planner pay once.

    :param origins: per key, where it was given (the error's prefix).
    :raises ConfigError: ``"<origin>: BFGS refused 'abc' in a dry run on a 2-weight
        quadratic (TypeError: ...)"``.
    """
    if not options:
        return
    reason = _dry_call(trainer, options)
    if reason is None:
        return
    for key, value in options.items():
        alone = _dry_call(trainer, {key: value})
        if alone is not None:
            raise ConfigError(f"{origins[key]}: {trainer.name} refused {value!r} in a dry run on a 2-weight "
                              f"quadratic ({_short(alone)})")
    where = ", ".join(origins[k] for k in options)
    raise ConfigError(f"{where}: {trainer.name} refused these options together in a dry run on a 2-weight "
                      f"quadratic ({_short(reason)})")


def _short(text: str, most: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= most else line[:most - 3] + "..."

