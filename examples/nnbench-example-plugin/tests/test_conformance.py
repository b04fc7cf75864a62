"""Run nnbench's conformance kit on this plugin's trainer: ``pytest tests/``."""

from nnbench.testing import parametrize_with_checks
from nnbench_example import TRAINER


@parametrize_with_checks([TRAINER])
def test_conformance(trainer, check):
    check(trainer)
