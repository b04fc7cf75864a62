"""Running: a suite, its one plan, one trial, the executors, and suite files.

:mod:`~nnbench.running.suite` (``Suite``, ``make_plan``, ``run``), :mod:`~nnbench.running.trial`
(one trial and its record), :mod:`~nnbench.running.executors` (serial, process pool with hard
limits, Dask), :mod:`~nnbench.running.suitefile` (TOML suite files). Knows nothing of reporting.
"""
