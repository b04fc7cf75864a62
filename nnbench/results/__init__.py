"""Results: the typed trial record and run metadata, and the JSON Lines results file.

:mod:`~nnbench.results.record` names, writes and reads every field (and the ``--resume``
key); :mod:`~nnbench.results.store` writes and reads results files.
"""
