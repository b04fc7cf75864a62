"""Reporting: the ranking rule, tables, the benchmarking measures, plots, and HTML/Markdown reports.

:mod:`~nnbench.reporting.ranking` (the one rule), :mod:`~nnbench.reporting.tables` (summary
and per-trial tables), :mod:`~nnbench.reporting.measures` (COCO and Moré-Wild measures,
statistics), :mod:`~nnbench.reporting.plots` (matplotlib figures), :mod:`~nnbench.reporting.html`
(the comparison report). Reads records; never runs a trial.
"""
