"""The ``nnbench`` command: ``run``, ``list``, ``report``, ``compare``, ``tutorial``.

Errors in arguments or data print one line, ``nnbench: error: ...``, and exit with status
2 without a traceback. Failed trials are results, not errors: the run still exits 0.
``nnbench compare --fail`` exits 1 when a verdict is "worse".
"""

from __future__ import annotations

import argparse
import ast
import math
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from nnbench import defaults
from nnbench.errors import ConfigError, NNBenchError

if TYPE_CHECKING:
    from nnbench.results.store import ResultsWriteError

__all__ = ["main", "build_parser", "parse_option", "parse_sweep", "default_suite"]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``nnbench run: error: ...``, exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(text: str) -> Any:
    """The number ``text`` spells (an int if it is one, else a float), or ``text`` itself,
    which the option's constraints then refuse with its own message."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _seeds(text: str) -> Any:
    """``--seeds N`` (seeds 0..N-1) or ``--seeds 0,3,7`` (those seeds): the count or the list,
    each item as :func:`_number` reads it, checked by :func:`nnbench.running.suite.check_seeds`."""
    if "," in text:
        return [_number(part.strip()) for part in text.split(",")]
    return _number(text)


def _value(text: str | None, constraints: Sequence[Any], option: str) -> Any:
    """``text`` of ``option`` parsed and checked against ``constraints`` (``None`` stays ``None``).

    :raises ConfigError: ``"--max-evals: must be a positive integer, got -5"``.
    """
    from nnbench.validation import check

    if text is None:
        return None
    return check(_number(text), [c for c in constraints if c is not None], option)


def _hidden(text: str) -> tuple[int, ...]:
    """``--hidden 4,3`` -> ``(4, 3)``; the sizes are checked by :class:`nnbench.NetworkSpec`."""
    try:
        return tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ConfigError(f"--hidden: takes layer sizes separated by commas (e.g. 4 or 4,3), got {text!r}") from None


def parse_option(text: str) -> tuple[str, str, Any]:
    """``TRAINER.KEY=VALUE`` -> ``(trainer, key, value)``; the value is a Python literal
    (number, bool, None, string, tuple ``0.5,1``, list) when it parses as one, else the string.

    :raises ConfigError: text not of that form.
    """
    head, sep, raw = text.partition("=")
    trainer, dot, key = head.rpartition(".")
    if not sep or not dot or not trainer or not key:
        raise ConfigError(f"--option {text!r}: expected TRAINER.KEY=VALUE, e.g. adam.learning_rate=0.01")
    return trainer, key, _literal(raw)


def _literal(raw: str) -> Any:
    """The value ``raw`` spells: a Python literal when it parses as one, ``true``/``false``/
    ``none`` in any case, else the string itself (the one rule of ``--option`` and ``--sweep``)."""
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return {"true": True, "false": False, "none": None}.get(raw.lower(), raw)


def _split_top(raw: str) -> list[str]:
    """``raw`` split at the commas outside brackets and quotes (``1,(2,3),'a,b'`` -> 3 parts)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(raw):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return parts


def parse_sweep(text: str) -> tuple[str, str, tuple[Any, ...]]:
    """``TRAINER.KEY=V1,V2,...`` -> ``(trainer, key, values)``: the values are split at the
    commas outside brackets and quotes, each read by ``--option``'s rule (``(0.5,1),(0.7,1)``
    sweeps two tuples).

    :raises ConfigError: text not of that form, or an empty value.
    """
    head, sep, raw = text.partition("=")
    trainer, dot, key = head.rpartition(".")
    if not sep or not dot or not trainer or not key or not raw:
        raise ConfigError(f"--sweep {text!r}: expected TRAINER.KEY=V1,V2,..., e.g. adam.learning_rate=1e-3,1e-2")
    parts = _split_top(raw)
    if any(not p.strip() for p in parts):
        raise ConfigError(f"--sweep {text!r}: an empty value; separate the values by single commas")
    return trainer, key, tuple(_literal(p.strip()) for p in parts)


class _NotYet(Exception):
    """A command line the first look (``build_parser(light=True)``) cannot read; the real
    parser then says what is wrong with it."""


class _FirstLook(_Parser):
    """The parser of ``build_parser(light=True)``: no ``-h`` (help is the real parser's), and
    an error raises :class:`_NotYet` instead of exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "add_help": False})

    def error(self, message: str) -> NoReturn:
        raise _NotYet(message)


def build_parser(command: str | None = None, light: bool = False) -> argparse.ArgumentParser:
    """The argument parser of the ``nnbench`` command.

    :param command: the subcommand about to be parsed, when known: the others' help texts
        that need a module loaded (``compare``'s verdict rule: the reporting measures) are
        then left short, so that ``nnbench run`` does not load them. ``None``: every one whole.
    :param light: the same options without what needs numpy or scipy loaded (the problems
        in ``run``'s description, the table formats in the help, ``--standardize``'s
        choices) and without ``-h``, a parser whose errors raise :class:`_NotYet`: the first
        look at ``nnbench run``'s command line, in the first 0.1 s (:func:`_early_executor`).
    """
    from nnbench import __version__
    from nnbench.running.executors import EXECUTORS

    formats = run_description = None
    standardize: tuple[str, ...] | None = None
    if not light:
        from nnbench.contract.problems import BUILTIN_SUITES, DEFAULT_SUITE
        from nnbench.datasets import STANDARDIZE
        from nnbench.reporting.tables import FORMATS

        standardize = STANDARDIZE
        formats = ", ".join(FORMATS)
        run_description = ("Run every selected trainer on every problem and seed; write the results "
                           f"file and print the table. With no arguments: the {DEFAULT_SUITE!r} suite ("
                           f"{', '.join(BUILTIN_SUITES[DEFAULT_SUITE].problems)}; `nnbench list problems`), "
                           f"every trainer, {defaults.SEEDS} seeds, on all cores. "
                           "With SUITE.toml: the suite that file describes (see examples/suite.toml); "
                           "options given on the command line override the file.")
    parser_class = _FirstLook if light else _Parser
    p = parser_class(prog="nnbench", description="Compare optimizers on the job of training small neural networks.")
    p.add_argument("--version", action="version", version=f"nnbench {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{run,list,report,compare,tutorial}", parser_class=parser_class)

    r = sub.add_parser("run", help="run trainers on problems and print the comparison table",
                       description=run_description)
    r.add_argument("suite", nargs="?", metavar="SUITE.toml", help="a suite file (TOML)")
    n = r.add_argument_group("named problems (each brings its data, network, budget and target; "
                             "--max-evals, --time-limit, --target-cost, --seeds and --trainers override them)")
    n.add_argument("--problem", action="append", metavar="NAME",
                   help="a registered problem (`nnbench list problems`); repeat for several")
    n.add_argument("--suite", dest="suite_name", metavar="NAME",
                   help="a registered suite of problems (`nnbench list suites`: default, classic, uci)")
    g = r.add_argument_group("problem (given with a suite file, these replace its problems)")
    g.add_argument("--dataset", action="append", metavar="NAME|PATH.csv",
                   help="a registered dataset (`nnbench list datasets`) or a CSV file; repeat for several")
    g.add_argument("--target-column", action="append", metavar="NAME",
                   help="target column of the CSV (default: the last); repeat for several outputs")
    g.add_argument("--delimiter", default=None, help="CSV delimiter (default ','; '\\t' is a tab)")
    g.add_argument("--hidden", action="append", metavar="4[,3...]",
                   help="hidden layer sizes of one network (default 2; 0: no hidden layer, a linear "
                        "model); repeat to compare networks")
    g.add_argument("--activation", default=None, help="hidden activation: sigmoid (default), tanh, relu")
    g.add_argument("--output-activation", default=None,
                   help="identity, sigmoid or softmax (default: the one the loss needs, softmax for "
                        "cross_entropy and sigmoid for bce, else identity)")
    g.add_argument("--no-bias", action="store_true", help="no bias vectors (the tutorial's network)")
    g.add_argument("--loss", default=None,
                   help="sse (default, the tutorial's), mse, half_mse, bce, cross_entropy (a CSV's target "
                        "column is then read as class labels)")
    g.add_argument("--l2", default=None, metavar="ALPHA",
                   help="add alpha/2 ||W||^2 over the weight matrices, not the biases, to the loss "
                        "(scikit-learn's alpha; default 0)")
    g.add_argument("--standardize", default=None, choices=standardize,
                   help="z-score the features, or features and target, with training statistics")
    g.add_argument("--test-size", metavar="F",
                   help="hold out this fraction (0 < F < 1) as a test split")
    t = r.add_argument_group("trainers and budget")
    t.add_argument("--trainers", action="append", default=None, metavar="all|NAME,...",
                   help=f"trainer names or families, comma-separated (default {defaults.TRAINERS}); repeatable")
    t.add_argument("--exclude", action="append", default=None, metavar="NAME,...",
                   help="trainer names or families to leave out; repeatable")
    t.add_argument("--option", action="append", default=[], metavar="TRAINER.KEY=VALUE",
                   help="a trainer's own option, e.g. adam.learning_rate=0.01; repeatable")
    t.add_argument("--sweep", action="append", default=[], metavar="TRAINER.KEY=V1,V2,...",
                   help="run one variant of the trainer per value (several keys: their grid), each its own row "
                        "named TRAINER[KEY=VALUE]; values read as --option's; repeatable")
    t.add_argument("--tune", default=None, metavar="N",
                   help="tune every trainer with a search space on N configurations (a scrambled Sobol design) "
                        f"on tuning seeds {defaults.TUNING_SEED_BASE}.., and run the best as TRAINER[tuned] "
                        "beside its defaults")
    t.add_argument("--tune-seeds", default=None, metavar="K",
                   help=f"tuning seeds per configuration (default {defaults.TUNE_SEEDS})")
    t.add_argument("--seeds", default=None, metavar="N|S,S,...",
                   help=f"run seeds 0..N-1 (default {defaults.SEEDS}), or the seeds listed")
    t.add_argument("--max-evals", default=None, metavar="N",
                   help=f"evaluations per trial (default {defaults.MAX_EVALS})")
    t.add_argument("--time-limit", default=None, metavar="SECONDS",
                   help=f"seconds per trial (default {defaults.TIME_LIMIT_S:g}); with the process executor a "
                        f"hard limit: a trial still running {defaults.GRACE_S:g} s later has its worker ended")
    t.add_argument("--target-cost", metavar="COST", help="record when each trial first reaches this cost")
    t.add_argument("--blas-threads", default=None, metavar="N",
                   help=f"BLAS threads per trial (default {defaults.BLAS_THREADS})")
    x = r.add_argument_group("execution")
    x.add_argument("--executor", choices=EXECUTORS, default=None,
                   help="process (default): worker processes with hard time limits and crash isolation; "
                        "serial: in this process; dask: a Dask cluster")
    x.add_argument("--jobs", "-j", default=None, metavar="N",
                   help="worker processes (default: every core); --jobs 1 still runs in one worker process")
    x.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:8786); implies --executor dask; without it, dask "
                        "starts a local cluster")
    o = r.add_argument_group("output and plugins")
    o.add_argument("--out", metavar="FILE.jsonl", help="results file (default: a new file in ./nnbench-results/)")
    o.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    o.add_argument("--resume", action="store_true",
                   help="complete --out: run only the trials missing from it (same dataset, network, trainer, "
                        "options and seed)")
    o.add_argument("--format", default="plain", help=f"table format: {formats}")
    o.add_argument("--per-trial", action="store_true", help="one row per trial instead of per trainer")
    o.add_argument("-p", dest="plugins", action="append", default=[], metavar="MODULE",
                   help="load one more plugin module for this run")
    o.add_argument("--strict-plugins", action="store_true", help="a plugin that fails to load is an error")
    o.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    rr = r.add_argument_group("reproducing a run")
    rr.add_argument("--rerun", metavar="RESULTS.jsonl",
                    help="run again what made RESULTS.jsonl, from its metadata: its recorded command line "
                         "(without its --out, --force and --resume) and suite file content, into a new results "
                         "file; warns for each plugin or library whose version differs now, refuses when a "
                         "recorded plugin or library is missing. Only " + ", ".join(_RERUN_KEEPS) + " may be "
                         "given with it (they choose the output and how the trials run, not what runs)")

    ls = sub.add_parser("list", help="list trainers, datasets, problems, suites or plugins")
    ls.add_argument("what", nargs="?", default="trainers",
                    choices=("trainers", "datasets", "problems", "suites", "plugins"))
    ls.add_argument("-p", dest="plugins", action="append", default=[], metavar="MODULE")
    ls.add_argument("--strict-plugins", action="store_true")

    rep = sub.add_parser("report", help="tables, statistics, plots and HTML/Markdown reports from results files",
                         description="Print the summary table of one or more results files (combined) and the "
                                     "headline (every trainer ranked across the problems by AlgoPerf's score of its "
                                     "performance profile); with --html or --markdown also write the full comparison "
                                     "report: the headline and the figures to read first, then per problem success "
                                     "by target, ERT, statistics across seeds, fixed-budget and final-quality tables, "
                                     "and every plot.")
    rep.add_argument("results", nargs="+", metavar="RESULTS.jsonl")
    rep.add_argument("--format", default="plain", help=f"table format: {formats}")
    rep.add_argument("--per-trial", action="store_true", help="one row per trial")
    rep.add_argument("-o", "--output", metavar="FILE", help="write the table here instead of stdout")
    rep.add_argument("--html", metavar="REPORT.html", help="write one self-contained HTML report (plots embedded)")
    rep.add_argument("--markdown", metavar="DIR", help="write DIR/report.md with its PNG images beside it")
    rep.add_argument("--tau", default=None, metavar="TAU",
                     help=f"relative target precision of the profiles and the seconds ERT (default {defaults.PROFILE_TAU:g})")
    rep.add_argument("--target-cost", metavar="COST",
                     help="judge success by this absolute cost instead of relative targets")
    rep.add_argument("--top", default=None, metavar="N",
                     help=f"trainers drawn in colour in each plot, the rest grey (default {defaults.TOP}, at most 9)")
    rep.add_argument("--no-plots", action="store_true", help="tables only, even if matplotlib is installed")
    rep.add_argument("--quiet", "-q", action="store_true", help="no progress bar (shown on a terminal while "
                                                                "the figures of --html/--markdown are drawn)")

    _compare_parser(sub, formats, whole=command in (None, "compare") and not light)
    sub.add_parser("tutorial", help="replay the tutorial with nnbench's exact gradient")
    return p


def _compare_parser(sub: Any, formats: str | None, whole: bool = True) -> None:
    """``nnbench compare``'s arguments; ``formats``: the output formats in words; ``whole``:
    with its description (which loads the verdict rule's module)."""
    if whole:
        from nnbench.reporting.compare import VERDICT_LEVEL, VERDICT_RATIO
    else:
        VERDICT_LEVEL = VERDICT_RATIO = math.nan  # noqa: N806  (the description is not shown)
    c = sub.add_parser("compare", help="pair the same trials of two results files: better, worse or the same",
                       description="Pair the trials of BASE and NEW that are the same trial (data, network, trainer, "
                                   "options, seed) and compare, per problem and trainer, the median best cost, "
                                   "evaluations, seconds (on the same machine only) and success. The verdict is "
                                   f"'worse' when a one-sided exact sign test on the paired best costs gives p < "
                                   f"{VERDICT_LEVEL:g} and the median paired cost ratio NEW/BASE exceeds "
                                   f"{VERDICT_RATIO:g}, 'better' the mirror, 'same' otherwise. The environments' "
                                   "differences come first; trials in one file only are listed, not compared.")
    c.add_argument("base", metavar="BASE.jsonl", help="the results file to compare against")
    c.add_argument("new", metavar="NEW.jsonl", help="the results file of the change")
    c.add_argument("--fail", action="store_true", help="exit with status 1 when any verdict is 'worse' (for CI)")
    c.add_argument("--html", metavar="REPORT.html", help="also write the comparison as one self-contained HTML file")
    c.add_argument("--format", default="plain", help=f"output format: {formats}")
    c.add_argument("--tau", default=None, metavar="TAU",
                   help=f"relative target precision of the success shares (default {defaults.PROFILE_TAU:g})")


#: The options ``nnbench run --rerun`` takes besides the file: they choose the results file and
#: how the trials are executed and shown, never what runs (every other option is an error).
_RERUN_KEEPS = ("--out", "--force", "--resume", "--executor", "--jobs", "--scheduler", "--format", "--per-trial",
                "--quiet", "--strict-plugins")


def _run_parser() -> argparse.ArgumentParser:
    """The ``nnbench run`` subparser of :func:`build_parser`."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # argparse has no public way
    return sub.choices["run"]


def _rerun_args(args: argparse.Namespace) -> tuple[argparse.Namespace, Any, set[str]]:
    """The arguments of the run that made ``args.rerun``, parsed again from its metadata's
    ``argv``, without its ``--out``, ``--force`` and ``--resume``, with this command's
    :data:`_RERUN_KEEPS` options put over it.

    :returns: ``(arguments, the file's RunMetadata, the data identities of its trials)``.
    :raises ConfigError: an option of :data:`_RERUN_KEEPS`'s complement given with ``--rerun``
        (naming them); a file without a recorded command line (from :func:`nnbench.run`, or
        older), not of ``nnbench run``, or whose suite file content was not recorded.
    :raises ResultsError: the file is not a readable results file (no metadata line, ...).
    """
    from nnbench.results.store import read_results

    source = args.rerun
    run_parser = _run_parser()
    given = []
    for action in run_parser._actions:
        if action.dest in ("help", "rerun") or getattr(args, action.dest, action.default) == action.default:
            continue
        name = max(action.option_strings, key=len) if action.option_strings else str(action.metavar)
        if name not in _RERUN_KEEPS:
            given.append(name)
    if given:
        raise ConfigError(f"--rerun {source} runs what the file recorded; drop {', '.join(given)} (only "
                          f"{', '.join(_RERUN_KEEPS)} may be given with it)")
    meta, records = read_results(source)
    if not meta.argv:
        made_by = ("nnbench.run(), which records no command line" if meta.command == "nnbench.run"
                   else "an nnbench that did not record its command line")
        raise ConfigError(f"--rerun {source}: the file was written by {made_by}; only a run of `nnbench run` "
                          "can be rerun")
    if meta.argv[0] != "run":
        raise ConfigError(f"--rerun {source}: its recorded command line is not `nnbench run`: {' '.join(meta.argv)}")
    recorded = build_parser().parse_args(meta.argv)
    if recorded.suite and meta.suite_text is None:
        raise ConfigError(f"--rerun {source}: its run read the suite file {recorded.suite}, whose content was not "
                          "recorded")
    recorded.out, recorded.force, recorded.resume = args.out, args.force, args.resume
    for action in run_parser._actions:
        name = max(action.option_strings, key=len) if action.option_strings else ""
        if name in _RERUN_KEEPS and getattr(args, action.dest) != action.default:
            setattr(recorded, action.dest, getattr(args, action.dest))
    recorded.rerun = source
    return recorded, meta, {r.data_id for r in records if r.data_id is not None}


def _check_rerun_plugins(args: argparse.Namespace, meta: Any, registry: Any, extra: Sequence[str]) -> Any:
    """Compare the plugins and libraries of a rerun with those ``meta`` recorded
    (:meth:`~nnbench.results.record.RunMetadata.versions`): a recorded plugin or library that is
    missing now is an error; one whose distribution or version differs is one ``nnbench:
    warning:`` line (name, recorded, now); a plugin registered now that the recorded run did not
    have is blocked (``-p no:NAME``, added to ``args.plugins``, so the workers block it too:
    ``--trainers all`` selects what it selected), with a warning.

    :returns: the registry to run with (made again when a plugin was blocked).
    :raises ConfigError: one line naming every missing plugin and library.
    """
    from nnbench.results.record import RunMetadata
    from nnbench.results.store import installed_version, plugin_versions

    recorded = meta.versions()
    current = RunMetadata(plugins=plugin_versions(registry),
                          libraries={name: installed_version(name) for name in meta.libraries})
    now = current.versions()
    missing = [f"{key} ({was})" for key, was in recorded.items() if now.get(key) is None]
    if missing:
        them = "them" if len(missing) > 1 else "it"
        raise ConfigError(f"--rerun {args.rerun}: the recorded run had {', '.join(missing)}, missing now "
                          f"(not installed, blocked, or entry points disabled); install {them} to rerun the file")
    for key, was in recorded.items():
        if now[key] != was:
            print(f"nnbench: warning: {key}: recorded {was}, now {now[key]}", file=sys.stderr)
    new = [name for name in current.plugin_names if name not in meta.plugin_names] if meta.plugins else []
    if not new:
        return registry
    for name in new:
        print(f"nnbench: warning: plugin {name} ({now[f'plugin {name}']}) is registered now but was not in the "
              f"recorded run; it is left out (-p no:{name})", file=sys.stderr)
    args.plugins = [*args.plugins, *(f"no:{name}" for name in new)]
    return _registry(args, extra)


def _registry(args: argparse.Namespace, extra: Sequence[str] = ()):
    from nnbench.contract.plugins import Registry, get_plugin_manager

    strict = True if getattr(args, "strict_plugins", False) else None
    plugins = tuple(dict.fromkeys([*extra, *args.plugins]))
    return Registry(get_plugin_manager(extra=plugins, strict=strict))


def default_suite(registry: Any = None) -> Any:
    """The suite of a bare ``nnbench run``: the problems of the registered suite
    :data:`nnbench.contract.problems.DEFAULT_SUITE` (the tutorial, a regression and a
    classification problem, each with its budget and target), every trainer, the defaults of
    :mod:`nnbench.defaults`.

    :param registry: where the suite is looked up (default: nnbench's own plugins).
    """
    from nnbench.contract.plugins import Registry, get_plugin_manager
    from nnbench.contract.problems import DEFAULT_SUITE
    from nnbench.running.suite import Suite

    registry = registry if registry is not None else Registry(get_plugin_manager(autoload=False))
    return Suite(problems=registry.suite(DEFAULT_SUITE)[1])


#: The command-line option of each problem field, for errors that name what was typed.
_PROBLEM_OPTIONS = {"source": "--dataset", "target": "--target-column", "delimiter": "--delimiter",
                    "standardize": "--standardize", "test_size": "--test-size", "hidden": "--hidden",
                    "activation": "--activation", "output_activation": "--output-activation", "bias": "--no-bias",
                    "loss": "--loss", "l2": "--l2"}


def _spec(make: Any, **kw: Any) -> Any:
    """``make(**kw)`` with a field's error located at its command-line option."""
    try:
        return make(**kw)
    except ConfigError as exc:
        raise exc.at(_PROBLEM_OPTIONS.get(exc.field or "", "--dataset")) from None


@dataclass
class _Run:
    """What ``nnbench run``'s arguments (and a suite file) describe, checked."""

    suite: Any
    option_layers: list
    where: dict[str, str]
    named: Any = None  # the SuiteSpec of --suite NAME (or of the bare run)
    sweep_layers: list | None = None


def _suite_from_args(args: argparse.Namespace, registry: Any, sf: Any = None) -> _Run:
    """The suite to run: ``sf``'s (a :class:`nnbench.running.suitefile.SuiteFile`), the named
    problems (``--problem``, ``--suite``) or the default suite, with every option given on
    the command line put over it. A named problem keeps its own budget and target except
    where ``--max-evals``, ``--time-limit`` or ``--target-cost`` say otherwise.

    :raises ConfigError: a bad value, naming its option; ``--problem``/``--suite`` with an
        option that describes a problem of its own (``--dataset``, ``--hidden``, ...).
    """
    from nnbench.datasets import DATASET_SPEC_CONSTRAINTS, DatasetSpec
    from nnbench.core.network import NetworkSpec
    from nnbench.contract.options import OptionSetting
    from nnbench.running.suite import SUITE_CONSTRAINTS, Suite, check_seeds, put_over
    from nnbench.contract.trainer import BUDGET_CONSTRAINTS, Budget

    from nnbench.contract.problems import DEFAULT_SUITE

    fields: dict[str, Any] = dict(sf.fields) if sf is not None else {}
    budget: dict[str, Any] = dict(sf.budget) if sf is not None else {}
    problem_args = {"--dataset": args.dataset, "--hidden": args.hidden, "--target-column": args.target_column,
                    "--test-size": args.test_size, "--delimiter": args.delimiter, "--activation": args.activation,
                    "--output-activation": args.output_activation, "--loss": args.loss,
                    "--standardize": args.standardize, "--no-bias": args.no_bias or None, "--l2": args.l2}
    given = [k for k, v in problem_args.items() if v is not None]
    where: dict[str, str] = {}
    named = None
    if args.problem or args.suite_name:
        which = "--problem" if args.problem else "--suite"
        if given:
            raise ConfigError(f"{which} brings its own data and network; drop {', '.join(given)} (or drop {which} "
                              "and describe the problem with them)")
        if args.problem and args.suite_name:
            raise ConfigError("give --problem or --suite, not both (a suite is a list of problems)")
        if args.suite_name:
            named, problems = registry.suite(args.suite_name)
        else:
            problems = [registry.problem(name) for name in dict.fromkeys(args.problem)]
        fields.pop("datasets", None), fields.pop("networks", None)
        fields["problems"], where["problems"] = problems, which
    elif sf is None and not given:
        named, problems = registry.suite(DEFAULT_SUITE)
        fields["problems"] = problems
    if given:
        data_kw: dict[str, Any] = {}
        if args.target_column:
            data_kw["target"] = tuple(args.target_column)
        if args.standardize is not None:
            data_kw["standardize"] = args.standardize
        if args.test_size is not None:
            data_kw["test_size"] = _value(args.test_size, DATASET_SPEC_CONSTRAINTS["test_size"], "--test-size")
        if args.delimiter is not None:
            data_kw["delimiter"] = "\t" if args.delimiter == "\\t" else args.delimiter  # `--delimiter '\t'`: a tab
        net_kw: dict[str, Any] = {"bias": not args.no_bias}
        for name in ("activation", "output_activation", "loss"):
            if getattr(args, name) is not None:
                net_kw[name] = getattr(args, name)
        if args.l2 is not None:
            net_kw["l2"] = _number(args.l2)
        datasets = [_spec(DatasetSpec, source=d, **data_kw) for d in (args.dataset or ["tutorial"])]
        where["datasets"] = "--dataset"
        networks = ([_spec(NetworkSpec, hidden=_hidden(h), **net_kw) for h in args.hidden] if args.hidden
                    else [_spec(NetworkSpec, **net_kw)])
        for key in ("datasets", "networks"):
            fields.pop(key, None)
        fields["problems"] = [(d, n) for d in datasets for n in networks]
    if args.trainers is not None:  # repeated: the union, as a repeated --dataset is
        fields["trainers"], where["trainers"] = ",".join(args.trainers), "--trainers"
    if args.exclude is not None:
        fields["exclude"] = [e for e in ",".join(args.exclude).split(",") if e.strip()]
    if args.seeds is not None:
        fields["seeds"], where["seeds"] = check_seeds(_seeds(args.seeds), "--seeds"), "--seeds"
    for name, option in (("tune", "--tune"), ("tune_seeds", "--tune-seeds")):
        if getattr(args, name) is not None:
            fields[name] = _value(getattr(args, name), SUITE_CONSTRAINTS[name], option)
    if args.max_evals is not None:
        budget["max_evals"] = _value(args.max_evals, BUDGET_CONSTRAINTS["max_evals"], "--max-evals")
    if args.time_limit is not None:
        budget["max_seconds"] = _value(args.time_limit, BUDGET_CONSTRAINTS["max_seconds"], "--time-limit")
    if args.target_cost is not None:
        fields["target"] = _value(args.target_cost, SUITE_CONSTRAINTS["target"], "--target-cost")
    if args.blas_threads is not None:
        fields["blas_threads"] = _value(args.blas_threads, SUITE_CONSTRAINTS["blas_threads"], "--blas-threads")
    fields["plugins"] = tuple(dict.fromkeys([*fields.get("plugins", ()), *args.plugins]))
    cli_options = []
    for text in args.option:
        trainer, key, value = parse_option(text)
        cli_options.append(OptionSetting(trainer, key, value, f"--option {trainer}.{key}"))
    layers = [sf.options if sf is not None else [], cli_options]
    from nnbench.contract.variants import SweepSetting

    cli_sweeps = []
    for text in args.sweep:
        trainer, key, values = parse_sweep(text)
        cli_sweeps.append(SweepSetting(trainer, key, values, f"--sweep {trainer}.{key}"))
    sweep_layers = [sf.sweeps if sf is not None else [], cli_sweeps]
    fields["problems"] = put_over(fields.get("problems", ()), budget, fields.get("target"))
    return _Run(Suite(**fields, budget=Budget(**budget)), layers, where, named, sweep_layers)


def _executor(args: argparse.Namespace, sf: Any, n_trials: int, plugins: tuple[str, ...] = (),
              early: Any = None) -> tuple[Any, str]:
    """The executor for ``nnbench run`` and a description of it for the metadata line.

    ``--executor`` (else the suite file's ``executor.kind``, else ``process``); ``--jobs``
    (else the file's, else ``os.cpu_count()``), never more than the ``n_trials`` trials to
    run, with a warning when asked for more workers than cores; ``--scheduler`` implies dask.
    ``plugins``: the suite's plugin modules, which the process executor's workers load first;
    ``early``: the process executor :func:`_early_executor` started, used when it applies.
    """
    import os

    from nnbench.running.executors import JOBS_CONSTRAINTS, DaskExecutor, ProcessExecutor, SerialExecutor

    scheduler = args.scheduler or (sf.scheduler if sf is not None else None)
    kind = args.executor or (sf.executor if sf is not None else None)
    if kind is None:
        kind = "dask" if scheduler else "process"
    if scheduler and kind != "dask":
        raise ConfigError(f"--scheduler is for --executor dask, not --executor {kind}")
    given = _value(args.jobs, JOBS_CONSTRAINTS, "--jobs")
    cores = os.cpu_count() or 1
    jobs = given or (sf.jobs if sf is not None else None) or cores
    if kind != "serial" and jobs > cores:
        print(f"nnbench: warning: {jobs} workers on {cores} cores: the trials will share the cores, and their "
              "times include the waiting", file=sys.stderr)
    jobs = max(1, min(jobs, n_trials))
    if kind == "serial":
        if given is not None and given > 1:
            raise ConfigError(f"--jobs {given} needs --executor process or dask, not serial")
        return SerialExecutor(), "serial"
    if kind == "dask":
        return DaskExecutor(scheduler, jobs), f"dask {scheduler or f'LocalCluster of {jobs}'}"
    # workers warm (plugins and their libraries loaded) before their first trial, and only
    # as many as the trials pay for: a small suite runs in one
    if early is not None and early.warm == plugins:
        early.jobs = jobs
        return early, f"process x{jobs}"
    return ProcessExecutor(jobs, warm=plugins, grow=True), f"process x{jobs}"


@contextlib.contextmanager
def _results_warnings_as_lines() -> Iterator[None]:
    """Within: a damaged last line of a results file (:class:`~nnbench.results.store.ResultsWarning`)
    is reported on stderr as ``nnbench: warning: ...``, not as a Python warning."""
    import warnings

    from nnbench.results.store import ResultsWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResultsWarning)
        try:
            yield
        finally:
            others = [w for w in caught if not issubclass(w.category, ResultsWarning)]
            for w in caught:
                if issubclass(w.category, ResultsWarning):
                    print(f"nnbench: warning: {w.message}", file=sys.stderr)
    for w in others:  # anything else as it would have been shown
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _read_quietly(path: Path) -> list:
    """The records of a results file; a damaged last line is reported on stderr as
    ``nnbench: warning: ...`` instead of a Python warning."""
    from nnbench.results.store import read_results

    with _results_warnings_as_lines():
        _, records = read_results(path)
    return records


def _drop_damaged_tail(path: Path) -> None:
    """Cut a half-written last line (no newline: the run was killed while writing it) off
    the results file, so the records appended after it leave the file readable."""
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


#: The weights a worker started before the plan can report a best point for (1.6 MB of
#: shared memory); a plan with a larger network replaces it.
EARLY_WORKER_CAPACITY = 100_000


def _early_executor(argv: Sequence[str]) -> Any:
    """For ``nnbench run`` with ``argv``: the process executor of a run that will surely use
    one (no suite file, which may name another; no ``--rerun``, whose recorded run may name
    another; no ``--executor`` other than process; no ``--scheduler``), with its first worker
    already starting, or ``None``.

    Called first, before numpy, scipy and the problems are loaded (0.25-0.5 s), so that the
    worker's start-up (its own imports and plugins, 0.5-0.6 s) runs beside them on another
    core: the command line is read by ``build_parser(light=True)``, the same options. One it
    cannot read, with an unknown argument, or with ``-h`` starts nothing; the real parser
    reports what is wrong with it.
    """
    from nnbench.running.executors import JOBS_CONSTRAINTS, ProcessExecutor

    if "-h" in argv or "--help" in argv:
        return None
    try:
        args, unknown = build_parser("run", light=True).parse_known_args(argv)
        jobs = _value(args.jobs, JOBS_CONSTRAINTS, "--jobs")
    except (_NotYet, ConfigError):
        return None
    if unknown or args.command != "run" or args.suite or args.rerun or args.scheduler or args.executor not in (None, "process"):
        return None
    executor = ProcessExecutor(jobs, warm=tuple(args.plugins), grow=True)
    executor.start(EARLY_WORKER_CAPACITY)
    return executor


def _run(args: argparse.Namespace, argv: Sequence[str], early: Any) -> int:
    from nnbench.reporting.ranking import row_label
    from nnbench.reporting.tables import check_format, render
    from nnbench.results.store import (ResultsLock, ResultsWriteError, ResultsWriter, check_output, new_results_file,
                                       run_metadata)
    from nnbench.running.suite import make_plan, run

    from nnbench.errors import PluginError
    from nnbench.running.suitefile import load_suite_file, suite_file_plugins

    rerun = None
    rerun_data: set[str] = set()
    if getattr(args, "rerun", None) is not None:
        args, rerun, rerun_data = _rerun_args(args)
    fmt = check_format(args.format)
    sf = None
    suite_text = rerun.suite_text if rerun is not None else None  # a rerun reads the recorded content
    extra = suite_file_plugins(args.suite, suite_text) if args.suite else ()
    try:
        registry = _registry(args, extra)
    except PluginError as exc:
        if rerun is None:
            raise
        raise ConfigError(f"--rerun {args.rerun}: the recorded run's {exc}") from None
    if rerun is not None:
        registry = _check_rerun_plugins(args, rerun, registry, extra)
    if args.suite:
        sf = load_suite_file(args.suite, registry, text=suite_text)  # names and options checked with their lines
    wanted = _suite_from_args(args, registry, sf)
    # one plan, made and checked before anything is written: trainers, options, data, objectives
    plan = make_plan(wanted.suite, registry, wanted.option_layers, wanted.where, wanted.sweep_layers)
    suite = plan.suite
    named_now = wanted.named
    if rerun is not None and named_now is not None and rerun.suite_version not in (None, named_now.version):
        print(f"nnbench: warning: suite {named_now.name}: recorded version {rerun.suite_version}, now "
              f"{named_now.version}", file=sys.stderr)
    if rerun is not None and rerun_data:  # the same command on other data (a CSV that changed) is another run
        for p in plan.problems:
            if p.data_id not in rerun_data:
                print(f"nnbench: warning: the data of {_problem_name(p)} is not what the recorded run trained on "
                      "(its file changed since)", file=sys.stderr)
    # a rerun writes a new file (--out, else a new one), never the one its suite file names
    out = Path(args.out) if args.out is not None else (sf.out if sf is not None and sf.out and rerun is None else None)
    if args.resume and args.force:
        raise ConfigError("--resume keeps the results file and --force overwrites it: give one")
    if args.resume and out is None:
        raise ConfigError("--resume needs the results file to complete: give --out FILE.jsonl")
    lock = None
    count = 0  # trials this run finished
    interrupted: KeyboardInterrupt | None = None
    failed: ResultsWriteError | None = None
    if out is not None:
        inputs = _inputs(plan, sf, wanted.where)
        if rerun is not None:
            inputs[str(args.rerun)] = "the results file given to --rerun"
        check_output(args.out if args.out is not None else out, inputs)  # --force or not; named as typed
        lock = ResultsLock(out)  # one writer at a time, taken before the file is read for --resume
    try:
        done: set[str] = set()
        existing: list = []
        kept = 0  # trials in the file before this run
        mode = "force" if args.force else "new"
        if args.resume and out is not None and out.exists():
            existing = _read_quietly(out)
            _check_resumable(out, existing, plan)
            done = _done_keys(existing, registry.catalog())
            kept = len(existing)
            _drop_damaged_tail(out)
            mode = "append"
        n_todo = sum(1 for _ in plan.trials(done)) if done else len(plan)
        if done and plan.tuning:  # the tuned configurations' trials are known only after tuning
            from nnbench.contract.variants import tuned_name

            tuned = {tuned_name(t) for t in plan.tuning}
            n_todo += max(0, len(plan.problems) * len(plan.seeds) * len(plan.tuning)
                          - sum(1 for r in existing if r.variant in tuned and r.phase == "evaluation"))
        executor, how = _executor(args, sf, n_todo, tuple(suite.plugins), early)
        named = wanted.named
        meta = run_metadata(command="nnbench " + " ".join(argv), blas_threads=suite.blas_threads, executor=how,
                            suite_file=str(sf.path) if sf is not None else None,
                            suite=named.name if named is not None else None,
                            suite_version=named.version if named is not None else None,
                            registry=registry, trainers=plan.trainers,
                            argv=rerun.argv if rerun is not None else argv,
                            suite_text=sf.text if sf is not None else None,
                            rerun_of=str(args.rerun) if rerun is not None else None)
        with executor:  # a Dask scheduler is reached before the results file is opened
            try:
                writer = (ResultsWriter(out, meta, mode=mode, lock=lock) if out is not None
                          else new_results_file(meta))
            except ResultsWriteError as exc:
                raise _write_failed(exc, kept) from None
            out = writer.path
            bar = None
            try:
                if args.resume:
                    print(f"nnbench: resuming {out}: {len(plan) - n_todo} of {len(plan)} trials are done, "
                          f"{n_todo} to run", file=sys.stderr)
                if not args.quiet and sys.stderr.isatty():
                    from tqdm import tqdm

                    bar = tqdm(total=n_todo, file=sys.stderr, unit="trial", desc="nnbench run", leave=False)

                def progress(rec: Any) -> None:
                    nonlocal count
                    count += 1
                    if bar is not None:
                        bar.set_postfix_str(f"{row_label(rec)} seed {rec.seed}", refresh=False)
                        bar.update(1)

                run(plan, registry, writer=writer, executor=executor, on_result=progress, skip_keys=done,
                    keep=False, prior=existing)
            except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (_Terminated)
                interrupted = exc
            except ResultsWriteError as exc:
                failed = exc
            finally:
                writer.close()
                if bar is not None:
                    bar.close()
    finally:
        if lock is not None:
            lock.release()  # the writer released it already, unless it was never made
    if failed is not None:
        raise _write_failed(failed, kept)
    records = _read_quietly(out)  # the table of the whole file, without holding every record meanwhile
    sys.stdout.write(render(records, fmt, per_trial=args.per_trial))
    if interrupted is not None:
        again = f"--rerun {args.rerun} " if rerun is not None else ""
        print(f"nnbench: interrupted after {count} of {n_todo} trials; they are in {out} "
              f"(complete it with {again}--resume --out {out})", file=sys.stderr)
        return _status_of(interrupted)
    print(f"{count} trial{'' if count == 1 else 's'} in {out}" + (f" ({len(records)} in all)" if done else ""), file=sys.stderr)
    return 0


def _write_failed(exc: ResultsWriteError, before: int) -> NNBenchError:
    """The one-line error of a results file that could not be written: the file, why, the
    trials it keeps (``before`` this run, plus those this run wrote; none if it is gone) and
    how to complete it."""
    kept = before + exc.kept if not exc.gone else 0
    return NNBenchError(f"cannot write {exc.path} ({exc.reason}); {kept} trial{'' if kept == 1 else 's'} "
                        f"{'is' if kept == 1 else 'are'} kept in it; complete it with --resume --out {exc.path}")


def _inputs(plan: Any, sf: Any, where: dict[str, str]) -> dict[str, str]:
    """The files a run reads, each with what it is, for :func:`nnbench.results.store.check_output`."""
    inputs: dict[str, str] = {}
    if sf is not None:
        inputs[str(sf.path)] = "the suite file"
    for f in plan.data_files:
        inputs.setdefault(f, f"--dataset {f}" if where.get("datasets") == "--dataset" or sf is None
                          else f"{f}, a dataset of {sf.path}")
    return inputs


def _g(value: float) -> str:
    """A number as typed: ``0.01``, ``1e-10``, ``2`` (the shortest text that reads back to it)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _check_resumable(out: Path, existing: Sequence[Any], plan: Any) -> None:
    """Refuse ``--resume`` when the file's trials of a problem of this run ran with another
    budget or target than this run gives that problem (another meaning of every trial; other
    options are other trials instead).

    :raises ConfigError: one line naming the file, the problem, the file's values and this run's.
    """
    planned = {(p.data_id, p.network.label): p for p in plan.problems}
    for r in existing:
        p = planned.get((r.data_id, r.network.label))
        if p is None:
            continue
        if r.budget != p.budget:
            def spell_budget(b: Any) -> str:
                return (f"--max-evals {b.max_evals} "
                        + (f"--time-limit {b.max_seconds:g}" if b.max_seconds else "without a time limit"))

            raise ConfigError(f"--resume {out}: its trials of {_problem_name(p)} ran with another budget "
                              f"({spell_budget(r.budget)}, this run {spell_budget(p.budget)}); resume with the "
                              "same --max-evals and --time-limit, or start a new file")
        mine = (None, "cost") if p.target is None else (p.target.value, p.target.metric)
        if (r.target, r.target_metric if r.target is not None else "cost") != mine:
            def spell(t: float | None, metric: str) -> str:
                if t is None:
                    return "no --target-cost" if metric == "cost" else "no target"
                return f"--target-cost {_g(t)}" if metric == "cost" else f"the target {metric} >= {_g(t)}"

            raise ConfigError(f"--resume {out}: its trials ran with {spell(r.target, r.target_metric)}, this run "
                              f"has {spell(*mine)}; resume with the same --target-cost, or start a new file")


def _problem_name(p: Any) -> str:
    """A planned problem as an error names it: its name, or its data and network."""
    return p.name or f"{p.dataset.label} | {p.network.label}"


def _done_keys(records: Sequence[Any], catalog: Any) -> set[str]:
    """The keys of the trials of a results file, for ``--resume``. A record written before
    nnbench recorded ``data_id`` is keyed by the identity of its data as the file is now,
    when it can still be read (else by its description, as it was then)."""
    from nnbench.results.record import trial_key

    ids: dict[Any, str | None] = {}
    keys = set()
    for r in records:
        if r.data_id is None:
            if r.dataset not in ids:
                try:
                    ids[r.dataset] = catalog.identity(r.dataset)
                except NNBenchError:
                    ids[r.dataset] = None
            ident = ids[r.dataset]
            if ident is not None:
                keys.add(trial_key(ident, r.network, r.trainer, r.options, r.seed, r.variant, r.phase))
                continue
        keys.add(r.key)
    return keys


def _cmd_list(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    registry = _registry(args)
    if args.what == "trainers":
        from nnbench.contract.plugins import trainer_rows

        rows = trainer_rows(registry)
        print(tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True))
        print(f"\n{len(rows)} trainers")
    elif args.what == "plugins":
        from nnbench.contract.plugins import plugin_rows

        print(tabulate(plugin_rows(registry), headers="keys", tablefmt="simple"))
    elif args.what == "problems":
        rows = []
        for name, (p, plugin) in registry.problems().items():
            b = p.budget
            budget = "default" if b is None else (f"{b.max_evals} evals" if b.max_evals is not None else "no eval limit")
            rows.append({"name": name, "task": p.task, "dataset": p.dataset.label, "network": p.network.label,
                         "budget": budget, "target": p.target.label if p.target else "-", "plugin": plugin,
                         "description": p.description})
        print(tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True))
    elif args.what == "suites":
        rows = [{"name": name, "version": s.version, "problems": ", ".join(s.problems), "plugin": plugin,
                 "description": s.description} for name, (s, plugin) in registry.suites().items()]
        print(tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True))
    else:
        from nnbench.errors import DatasetError

        rows = []
        for name, entry in registry.catalog().items():
            if entry.takes_size:  # a generator: its shape depends on N
                description = getattr(entry.loader, "description", "") or "generated"
                rows.append({"name": f"{name}:N", "plugin": entry.plugin, "task": "-", "samples": "-",
                             "features": "-", "outputs": "-", "source": f"{description} ({entry.sizes})"})
                continue
            try:
                d = entry.load()
            except DatasetError as exc:  # list the others; say why this one is missing
                why = str(exc).split(" failed to load: ", 1)[-1]
                rows.append({"name": name, "plugin": entry.plugin, "task": "-", "samples": "-", "features": "-",
                             "outputs": "-", "source": f"failed to load: {why}"})
                continue
            task = "regression" if d.classes is None else f"{len(d.classes)} classes"
            rows.append({"name": name, "plugin": entry.plugin, "task": task, "samples": d.n_samples,
                         "features": d.n_features, "outputs": d.n_outputs, "source": d.source})
        print(tabulate(rows, headers="keys", tablefmt="simple"))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from nnbench.reporting.measures import TAU_CONSTRAINTS
    from nnbench.reporting.plots import TOP_CONSTRAINTS
    from nnbench.reporting.tables import check_format, render
    from nnbench.results.store import check_output_path, deduplicate, read_many, same_file, write_atomically
    from nnbench.running.suite import SUITE_CONSTRAINTS

    fmt = check_format(args.format)
    for option, given in (("-o", args.output), ("--html", args.html), ("--markdown", args.markdown)):
        if given is not None:
            check_output_path(given, option, directory=option == "--markdown")
    for option, target in (("-o", args.output), ("--html", args.html),
                           ("--markdown", Path(args.markdown) / "report.md" if args.markdown else None)):
        if target is not None and any(same_file(target, p) for p in args.results):
            raise ConfigError(f"{option} {target} is one of the results files being read; "
                              "choose another output path")
    first: dict[Path, str] = {}  # each file once, under the name it was first given
    for p in args.results:
        first.setdefault(Path(p).resolve(), p)
    paths = list(first.values())
    if len(paths) < len(args.results):
        print("nnbench: a results file named twice is read once", file=sys.stderr)
    args.results = paths
    tau = _value(args.tau, TAU_CONSTRAINTS, "--tau")
    target_cost = _value(args.target_cost, SUITE_CONSTRAINTS["target"], "--target-cost")
    top = _value(args.top, TOP_CONSTRAINTS, "--top")
    with _results_warnings_as_lines():
        metas, per_file = read_many(args.results)
    unique = deduplicate(r for recs in per_file for r in recs)
    records = unique.records
    if unique.duplicates:
        print(f"nnbench: {unique.duplicates} duplicate trial{'s' if unique.duplicates != 1 else ''} ignored "
              "(the same trial with the same results in more than one place)", file=sys.stderr)
    if unique.repeated:
        print(f"nnbench: {unique.repeated} trial{'s' if unique.repeated != 1 else ''} ran more than once with "
              f"different results; all {unique.repeats} runs of them are kept", file=sys.stderr)
    text = render(records, fmt, per_trial=args.per_trial)
    head = None
    if fmt == "plain" and records:  # the headline under the tables (csv, json and markup stay tables only)
        from nnbench.reporting.headline import headline

        head = headline(records, tau if tau is not None else defaults.PROFILE_TAU, target_cost)
        text += "\n" + head.text()
    if args.output:
        try:
            write_atomically(args.output, text)
        except OSError as exc:
            raise ConfigError(f"-o {args.output}: cannot write: {exc.strerror}") from None
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.html or args.markdown:
        from nnbench.reporting import html as htmlreport

        blocks = htmlreport.build(records, metas, args.results, [len(r) for r in per_file],
                                  profile_tau=tau if tau is not None else defaults.PROFILE_TAU,
                                  target_cost=target_cost, top=top if top is not None else defaults.TOP,
                                  plots=False if args.no_plots else None,
                                  progress=not args.quiet and sys.stderr.isatty(), head=head)
        if args.html:
            print(f"wrote {htmlreport.write_html(blocks, args.html)}", file=sys.stderr)
        if args.markdown:
            print(f"wrote {htmlreport.write_markdown(blocks, args.markdown)}", file=sys.stderr)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from nnbench.reporting import compare as C
    from nnbench.reporting.html import write_html
    from nnbench.reporting.measures import TAU_CONSTRAINTS
    from nnbench.reporting.tables import check_format
    from nnbench.results.store import check_output_path, read_results, same_file

    fmt = check_format(args.format)
    tau = _value(args.tau, TAU_CONSTRAINTS, "--tau")
    if args.html is not None:
        check_output_path(args.html, "--html")
    if args.html is not None and any(same_file(args.html, p) for p in (args.base, args.new)):
        raise ConfigError(f"--html {args.html} is one of the results files being compared; choose another output path")
    with _results_warnings_as_lines():
        base, new = read_results(args.base), read_results(args.new)
    result = C.compare(base, new, args.base, args.new, tau if tau is not None else defaults.PROFILE_TAU)
    if not result.paired:
        raise ConfigError(f"{args.base} and {args.new} have no trial in common (the same data, network, trainer, "
                          "options and seed): nothing to compare")
    sys.stdout.write(C.render(result, fmt))
    if args.html:
        print(f"wrote {write_html(C.blocks(result, [*base[1], *new[1]]), args.html)}", file=sys.stderr)
    return 1 if args.fail and result.worse else 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread as Ctrl-C raises :class:`KeyboardInterrupt`, so
    that both stop a command the same clean way (exit status 143 instead of 130)."""


def _status_of(exc: KeyboardInterrupt) -> int:
    """The exit status of a command ended by a signal: 128 + its number, as a shell reports it
    (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + (signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`_Terminated` (in the main thread; elsewhere a
    handler cannot be set, and nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise _Terminated()

    old = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnbench`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    Ctrl-C and SIGTERM stop any command cleanly, without a traceback: ``nnbench run`` prints
    the table so far and how to complete its file (exit 130 or 143); other commands, and a run
    interrupted before its first trial, print ``nnbench: interrupted`` and leave no partial
    output file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with _sigterm_interrupts():
            return _main(argv)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM outside a run's trials (a CSV loading, a report)
        print("nnbench: interrupted", file=sys.stderr)
        return _status_of(exc)
    except BrokenPipeError:  # `nnbench list trainers | head`: the reader left; say nothing more
        import os

        with contextlib.suppress(OSError):  # Python's own flush at exit would fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command the pipe ended


def command() -> NoReturn:
    """The ``nnbench`` program (its console script and ``python -m nnbench.cli``): exit with
    :func:`main`'s status, without the interpreter's pass over every object at its shutdown
    (0.1 s of every command: :mod:`nnbench.running.quick_exit`). Its
    :func:`~nnbench.running.quick_exit.exit_quickly` is registered before ``main`` runs, so
    it runs after every atexit handler of the modules and plugins ``main`` loads. Not in
    ``main`` itself, which Python code may call many times in one process (whose later
    garbage would then never be collected).

    :raises SystemExit: always, with ``main``'s status.
    """
    from nnbench.running.quick_exit import exit_quickly_at_the_end

    exit_quickly_at_the_end()
    sys.exit(main())


def _blas_pools_of_one() -> None:
    """Before numpy loads, start OpenBLAS with pools of one thread (``OPENBLAS_NUM_THREADS=1``,
    unless the user set it; inherited by the worker processes), for ``nnbench run``: its
    trials pin BLAS to the suite's ``blas_threads`` anyway (threadpoolctl, which also grows a
    pool when a suite asks for more threads than it started with), and that is always a
    number from the command line, so nothing else changes but that the pools' idle threads
    are not started, which cost the tutorial comparison 0.15 s of CPU and 30-40 ms of wall
    time on 2 cores. Nothing is done once numpy is loaded (``main`` called from Python)."""
    import os

    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _main(argv: list[str]) -> int:
    if argv == ["--version"]:  # before the parser, whose help texts load the problems (numpy, scipy)
        from nnbench import __version__

        print(f"nnbench {__version__}")
        raise SystemExit(0)  # as argparse's version action does
    command = next((a for a in argv if not a.startswith("-")), None)
    early = None
    if command == "run":
        _blas_pools_of_one()
        early = _early_executor(argv)
    try:
        return _parse_and_run(argv, command, early)
    finally:
        if early is not None:
            early.close()  # a run that stopped before its trials (done by then otherwise)


def _commands_taking(parser: argparse.ArgumentParser, arg: str) -> list[str]:
    """The commands that take the option ``arg`` (``-p``, ``--seeds=3``) when the top-level
    parser takes no option it spells or abbreviates; ``[]`` otherwise."""
    option = arg.split("=", 1)[0]
    if any(o.startswith(option) for o in parser._option_string_actions):
        return []
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [name for name, sub in commands.items() if option in sub._option_string_actions]


def _parse_and_run(argv: list[str], command: str | None, early: Any) -> int:
    """Parse ``argv`` and run its command (``early``: :func:`_early_executor`'s, or ``None``)."""
    parser = build_parser(command)
    misplaced = _commands_taking(parser, argv[0]) if argv and argv[0].startswith("-") else []
    if misplaced:  # `nnbench -p mod run`: argparse would take `mod` for the command ("invalid choice: 'mod'")
        option = argv[0].split("=", 1)[0]
        parser.error(f"{option} is an option of {', '.join(f'nnbench {c}' for c in misplaced)}: it goes after "
                     f"the command (nnbench {misplaced[0]} {option} ...)")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(args, argv, early)
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "tutorial":
            from nnbench.cli.tutorial import replay

            return replay()
        parser.print_help()
        return 0
    except NNBenchError as exc:
        print(f"nnbench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
