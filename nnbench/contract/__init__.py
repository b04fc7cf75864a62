"""The plugin contract: what a trainer plugin declares, receives and returns, and how plugins load.

:mod:`~nnbench.contract.hookspecs` (the hooks), :mod:`~nnbench.contract.trainer`
(``Trainer``, ``TrainResult``, ``Budget``), :mod:`~nnbench.contract.instrument` (the counting,
budget-enforcing objective), :mod:`~nnbench.contract.options` (option checks before a run),
:mod:`~nnbench.contract.plugins` (the plugin manager and the registry of trainers and
datasets), :mod:`~nnbench.contract.adapter` (plumbing for plugins that wrap a library),
:mod:`~nnbench.contract.builtin` (nnbench's own plugin: the bundled datasets),
:mod:`~nnbench.contract.testing` (the conformance kit). Plugin authors import the public
paths ``nnbench.trainer``, ``nnbench.hookspecs``, ``nnbench.plugins``, ``nnbench.adapter`` and
``nnbench.testing``, which re-export these.
"""
