"""The defaults of a run, in one place.

``nnbench run``, a suite file and :func:`nnbench.run` (through :class:`nnbench.Suite` and
:class:`nnbench.Budget`) all take what they are not told from here; the command's help
and the README quote these values, never restate them.
"""

from __future__ import annotations

__all__ = ["MAX_EVALS", "TIME_LIMIT_S", "SEEDS", "TUNE_SEEDS", "TUNING_SEED_BASE", "BLAS_THREADS", "TRAINERS", "GRACE_S", "SETUP_TIMEOUT_S", "PROFILE_TAU", "TOP"]

#: Evaluations per trial (calls that compute the cost).
MAX_EVALS: int = 1000

#: Wall-clock seconds per trial: a safety net, not the budget. Runs are bounded by evaluations
#: (:data:`MAX_EVALS`, or a problem's own), so that two machines print the same table; the
#: bare run never reaches this limit on 2 cores.
TIME_LIMIT_S: float = 60.0

#: Seeds per problem: seeds ``0 .. SEEDS - 1``. Ten, so that the one-sided exact paired test
#: can call a trainer worse on every seed significantly worse after Holm over up to 51
#: trainers (``2**-10 * m < 0.05``; :func:`nnbench.reporting.measures.seeds_needed`).
SEEDS: int = 10

#: ``nnbench run --tune N``: the tuning seeds per configuration (``--tune-seeds``).
TUNE_SEEDS: int = 3

#: The first tuning seed: configurations are tried on seeds ``TUNING_SEED_BASE ..
#: TUNING_SEED_BASE + TUNE_SEEDS - 1``, apart from the evaluation seeds (which must stay below it).
TUNING_SEED_BASE: int = 1_000_000

#: BLAS threads per trial (threadpoolctl); on a small machine two BLAS pools fight.
BLAS_THREADS: int = 1

#: The trainers a run selects: every registered one.
TRAINERS: str = "all"

#: Seconds a trial may run past its time limit before the process executor ends its worker.
GRACE_S: float = 1.0

#: Seconds a worker may spend preparing a trial (importing a plugin's library, loading the
#: data, building the objective) before it is ended and the trial recorded as failed; this
#: time is never part of the trial's clock.
SETUP_TIMEOUT_S: float = 600.0

#: ``nnbench report``: the relative target precision of the profiles and the seconds ERT.
PROFILE_TAU: float = 1e-3

#: ``nnbench report``: trainers drawn in colour in each plot, the rest grey.
TOP: int = 8
