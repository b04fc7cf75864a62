"""Element-wise kernels chosen by measurement (nnbench.core.kernels): both forms of the
sigmoid give the same values, saturate the same way and never warn; the threshold rule;
the choice is fixed by set_choices and recorded in the run metadata. Nothing here depends
on which form this CPU runs faster."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit

from nnbench.core import kernels
from nnbench.core.activations import get_activation
from nnbench.core.kernels import SIGMOID, sigmoid_expit, sigmoid_tanh, threshold_of
from nnbench.results.record import FieldError, RunMetadata
from nnbench.results.store import run_metadata


@pytest.fixture
def restore_sigmoid():
    saved = SIGMOID.threshold, dict(SIGMOID.ratios)
    yield
    SIGMOID.threshold, SIGMOID.ratios = saved


def _both(z):
    with np.errstate(all="raise"):  # no overflow, underflow or invalid value in either
        return sigmoid_expit(z, np.empty_like(z)), sigmoid_tanh(z, np.empty_like(z))


def test_both_sigmoid_forms_agree_to_1e_16_absolute():
    z = np.concatenate([np.linspace(-60.0, 60.0, 200001), np.random.default_rng(0).normal(0, 3, 100000)])
    a, b = _both(z)
    assert np.max(np.abs(a - b)) <= 2.3e-16  # a few units of rounding of 1
    np.testing.assert_allclose(a, 1.0 / (1.0 + np.exp(-z)), rtol=0, atol=2.3e-16)
    a0, b0 = _both(np.zeros(3))
    assert a0.tolist() == b0.tolist() == [0.5] * 3


def test_both_sigmoid_forms_saturate_to_exactly_0_and_1_without_warnings():
    z = np.array([-np.inf, -1e308, -1000.0, -746.0, 40.0, 745.0, 1e308, np.inf])
    a, b = _both(z)
    np.testing.assert_array_equal(a, [0, 0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(b, [0, 0, 0, 0, 1, 1, 1, 1])
    # in the lower tail expit keeps tiny positive values, the tanh form is exactly 0 from -40:
    # both within 1e-16 of each other
    a, b = _both(np.array([-40.0, -100.0]))
    assert b.tolist() == [0.0, 0.0] and 0 < a[0] < 1e-17 and 0 < a[1] < 1e-43
    assert np.all((a >= 0) & (a <= 1))


def test_tanh_form_may_write_over_its_input():
    z = np.linspace(-8, 8, 33)
    expected = expit(z)
    np.testing.assert_allclose(sigmoid_tanh(z, z), expected, rtol=0, atol=2.3e-16)


@pytest.mark.parametrize("ratios, threshold", [
    # AVX-512 (an AMD EPYC): the tanh form from 1024
    ({64: 3.3, 256: 1.4, 1024: 0.6, 4096: 0.33, 32768: 0.22}, 1024),
    ({64: 2.9, 512: 0.95, 4096: 0.49, 32768: 0.38}, 4096),  # 5% faster at 512 is no clear win
    ({64: 3.5, 512: 2.2, 4096: 1.9, 32768: 1.9}, kernels.NEVER),  # AVX2: expit at every size
    # AVX2 while scalar code ran slow (measured): the tanh form 10-20% faster is not enough
    ({64: 3.4, 256: 1.87, 1024: 1.15, 4096: 0.91, 32768: 0.81}, kernels.NEVER),
    ({64: 0.7, 512: 0.6}, 64),                              # the second form at every probed size
    ({64: 0.7, 512: 1.2, 4096: 0.7}, 4096),                 # from the last size it wins on for good
    ({4096: 0.7, 64: 0.7, 512: 1.2}, 4096),                 # in any order
    ({64: 2.0, 4096: 0.75}, 4096),                          # SWITCH_RATIO itself switches
    ({64: 2.0, 4096: 0.76}, kernels.NEVER),
])
def test_threshold_rule(ratios, threshold):
    assert threshold_of(ratios) == threshold


def test_threshold_needs_a_measurement():
    with pytest.raises(ValueError, match="no sizes"):
        threshold_of({})


@pytest.mark.usefixtures("restore_sigmoid")
@pytest.mark.parametrize("threshold, form", [(0, sigmoid_tanh), (kernels.NEVER, sigmoid_expit)])
def test_the_network_sigmoid_runs_the_chosen_form(threshold, form):
    kernels.set_choices({"sigmoid": threshold})
    z = np.random.default_rng(1).normal(0, 4, (3000, 70))  # above every probed size
    got = get_activation("sigmoid").value(z, np.empty_like(z))
    np.testing.assert_array_equal(got, form(z, np.empty_like(z)))
    assert kernels.current_choices() == {"sigmoid": threshold}


@pytest.mark.usefixtures("restore_sigmoid")
def test_threshold_splits_by_size():
    kernels.set_choices({"sigmoid": 100})
    small, large = np.linspace(-30, 30, 99), np.linspace(-30, 30, 100)
    sig = get_activation("sigmoid")
    np.testing.assert_array_equal(sig.value(small, np.empty(99)), sigmoid_expit(small, np.empty(99)))
    np.testing.assert_array_equal(sig.value(large, np.empty(100)), sigmoid_tanh(large, np.empty(100)))
    assert SIGMOID.describe() == "expit below 100 elements, tanh from 100"
    kernels.set_choices({"sigmoid": kernels.NEVER})
    assert SIGMOID.describe() == "expit at every size"
    kernels.set_choices({"sigmoid": 0})
    assert SIGMOID.describe() == "tanh at every size"


@pytest.mark.usefixtures("restore_sigmoid")
def test_measure_sets_a_threshold_from_its_ratios():
    SIGMOID.threshold = None
    z = np.linspace(-5, 5, 11)
    SIGMOID(z, np.empty_like(z))  # first use measures
    assert SIGMOID.threshold == threshold_of(SIGMOID.ratios)
    assert sorted(SIGMOID.ratios) == list(kernels.PROBE_SIZES)
    assert all(r > 0 for r in SIGMOID.ratios.values())
    assert SIGMOID.describe() in ("expit at every size", "tanh at every size") or "from" in SIGMOID.describe()


def test_set_choices_names_known_choices():
    with pytest.raises(KeyError):
        kernels.set_choices({"no-such-kernel": 3})


def test_simd_level_is_one_numpy_knows():
    baseline, dispatch, features = kernels._cpu_features()
    level = kernels.simd_level()
    assert level in baseline + dispatch + ["none"]
    assert level == "none" or features[level]


@pytest.mark.usefixtures("restore_sigmoid")
def test_run_metadata_records_simd_and_kernels():
    kernels.set_choices({"sigmoid": 512})
    meta = run_metadata()
    assert meta.simd == kernels.simd_level()
    assert meta.kernels == {"sigmoid": "expit below 512 elements, tanh from 512"}
    back = RunMetadata.from_json(json.loads(json.dumps(meta.to_json())))
    assert back.simd == meta.simd and back.kernels == meta.kernels and back.extra == {}
    assert RunMetadata.from_json({"kind": "metadata"}).kernels == {}  # older files
    with pytest.raises(FieldError, match="kernels"):
        RunMetadata.from_json({"kind": "metadata", "kernels": ["expit"]})
