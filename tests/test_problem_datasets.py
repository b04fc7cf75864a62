"""The problem datasets: the four bundled UCI classification sets, the generated problems
(two_spirals, parity:N, encoder:N, friedman1:N), the catalog's ``NAME:N`` rule and its
errors, and a plugin loader that takes a size."""

from __future__ import annotations

import math
import sys
from importlib.resources import files

import numpy as np
import pytest

from nnbench.contract.plugins import Registry, get_plugin_manager
from nnbench.datasets import (BUILTIN_DATASETS, BUNDLED, BUNDLED_CATALOG, GENERATED, Catalog, Dataset, DatasetEntry,
                              DatasetSpec, Source, encoder, friedman1, load, parity, takes_size,
                              two_spirals)
from nnbench.datasets.generated import FRIEDMAN1_SEED, friedman1_mean
from nnbench.errors import DatasetError

# --- the bundled classification sets ------------------------------------------------------

#: name -> (rows, features, classes, rows of each class, first feature row, first class)
UCI = {
    "iris": (150, 4, ("setosa", "versicolor", "virginica"), (50, 50, 50), [5.1, 3.5, 1.4, 0.2], "setosa"),
    "wine": (178, 13, ("1", "2", "3"), (59, 71, 48),
             [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065], "1"),
    "breast_cancer": (569, 30, ("benign", "malignant"), (357, 212),
                      [17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053,
                       8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6,
                       2019, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189], "malignant"),
    "digits": (1797, 64, tuple("0123456789"), (178, 182, 177, 183, 181, 182, 181, 179, 174, 180),
               [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8,
                0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0,
                0, 0], "0"),
}


@pytest.mark.parametrize("name", list(UCI))
def test_a_bundled_uci_set_is_a_classification_dataset(name):
    rows, features, classes, counts, first, first_class = UCI[name]
    d = load(name)
    assert BUNDLED[name].labels and d.name == name
    assert d.X.shape == (rows, features) and d.y.shape == (rows, len(classes))
    assert d.classes == classes
    assert tuple(d.y.sum(axis=0).astype(int)) == counts
    np.testing.assert_array_equal(d.X[0], first)
    assert d.classes[int(np.argmax(d.y[0]))] == first_class
    assert ((d.y == 0) | (d.y == 1)).all() and (d.y.sum(axis=1) == 1).all()
    assert "CC BY 4.0" in d.source and "doi:10.24432/" in d.source and BUNDLED[name].filename in d.source
    label = {"iris": "species", "wine": "cultivar", "breast_cancer": "diagnosis", "digits": "digit"}[name]
    assert d.target_names == tuple(f"{label}_{c}" for c in classes)


def test_bundled_uci_names_and_digits_are_integers():
    assert load("iris").feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert load("breast_cancer").feature_names[::10] == ("radius_mean", "radius_se", "radius_worst")
    digits = load("digits")
    assert digits.feature_names[0] == "pixel_0_0" and digits.feature_names[-1] == "pixel_7_7"
    assert digits.X.min() == 0 and digits.X.max() == 16 and (digits.X == np.round(digits.X)).all()
    text = (files("nnbench.datasets") / "data" / "digits.csv").read_text(encoding="utf-8")
    assert "." not in text and len(text.encode()) < 300_000


@pytest.mark.parametrize("name", list(UCI))
def test_a_bundled_uci_set_is_scikit_learns_copy(name):
    datasets = pytest.importorskip("sklearn.datasets")
    ref = getattr(datasets, f"load_{name}")()
    d = load(name)
    np.testing.assert_array_equal(d.X, ref.data)
    # our classes are sorted; scikit-learn's codes index its target_names
    names = {"wine": ["1", "2", "3"], "digits": [str(k) for k in range(10)]}.get(name, list(ref.target_names))
    assert [d.classes[k] for k in np.argmax(d.y, axis=1)] == [names[k] for k in ref.target]


def test_a_classification_set_retargeted_is_a_regression_one():
    d = load("iris", target="petal_width")
    assert d.classes is None and d.y.shape == (150, 1)
    assert d.feature_names == ("sepal_length", "sepal_width", "petal_length", "species_setosa",
                               "species_versicolor", "species_virginica")
    np.testing.assert_array_equal(d.X[0], [5.1, 3.5, 1.4, 1, 0, 0])
    assert load("iris", target=("species_setosa", "species_versicolor", "species_virginica")).classes is not None


# --- the generated problems ---------------------------------------------------------------


def test_two_spirals_is_lang_and_witbrocks():
    d = load("two_spirals")
    assert d.X.shape == (194, 2) and d.y.shape == (194, 2) and d.classes == ("0", "1")
    assert d.feature_names == ("x", "y") and d.target_names == ("spiral_0", "spiral_1")
    # i = 0: phi = 0, r = 6.5; i = 1: phi = pi/16, r = 6.5 * 103/104; each then its negation
    np.testing.assert_array_equal(d.X[0], [0.0, 6.5])
    np.testing.assert_array_equal(d.X[1], [-0.0, -6.5])
    r1 = 6.5 * 103 / 104
    np.testing.assert_allclose(d.X[2], [r1 * math.sin(math.pi / 16), r1 * math.cos(math.pi / 16)], rtol=1e-15)
    np.testing.assert_array_equal(d.X[3], -d.X[2])
    # i = 96: phi = 6 pi, r = 6.5 * 8/104 = 0.5
    np.testing.assert_allclose(d.X[192], [0.0, 0.5], atol=1e-15)
    assert [d.classes[k] for k in np.argmax(d.y, axis=1)] == ["1", "0"] * 97
    np.testing.assert_allclose(np.hypot(d.X[0::2, 0], d.X[0::2, 1]), 6.5 * (104 - np.arange(97)) / 104, rtol=1e-14)
    assert "Lang & Witbrock" in d.source and two_spirals().X.tobytes() == d.X.tobytes()


@pytest.mark.parametrize("n", [2, 3, 8, 16])
def test_parity_has_every_row_and_its_parity(n):
    d = load(f"parity:{n}")
    assert d.name == f"parity:{n}" and d.X.shape == (2**n, n) and d.y.shape == (2**n, 2)
    assert d.classes == ("0", "1") and d.feature_names[0] == "bit_1" and d.target_names == ("parity_0", "parity_1")
    assert len({row.tobytes() for row in d.X}) == 2**n  # every row once
    weights = 2 ** np.arange(n - 1, -1, -1)
    np.testing.assert_array_equal(d.X @ weights, np.arange(2**n))  # row i is i in binary, bit_1 first
    np.testing.assert_array_equal(np.argmax(d.y, axis=1), d.X.sum(axis=1) % 2)


def test_parity_2_is_exclusive_or():
    d = parity(2)
    np.testing.assert_array_equal(d.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(np.argmax(d.y, axis=1), [0, 1, 1, 0])
    np.testing.assert_array_equal(d.y[:, 1], load("xor").y[:, 0])


@pytest.mark.parametrize("n", [2, 8, 16])
def test_encoder_targets_are_its_inputs(n):
    d = load(f"encoder:{n}")
    np.testing.assert_array_equal(d.X, np.eye(n))
    np.testing.assert_array_equal(d.y, np.eye(n))
    assert d.classes == tuple(str(k) for k in range(1, n + 1))
    assert d.target_names == tuple(f"y_{k}" for k in range(1, n + 1))


def test_friedman1_is_friedmans_function_plus_unit_noise():
    d = load("friedman1:1000")
    assert d.X.shape == (1000, 10) and d.y.shape == (1000, 1) and d.classes is None
    assert 0.0 <= d.X.min() and d.X.max() < 1.0
    # the formula at a hand-computed point: 10 sin(pi/4) + 20 * 0 + 10 * 0.5 + 5 * 0.5
    assert friedman1_mean(np.full((1, 10), 0.5))[0] == pytest.approx(10 * math.sin(math.pi / 4) + 7.5, rel=1e-15)
    x_seed, noise_seed = np.random.SeedSequence(FRIEDMAN1_SEED).spawn(2)
    np.testing.assert_array_equal(d.X, np.random.default_rng(x_seed).random((1000, 10)))
    noise = d.y[:, 0] - friedman1_mean(d.X)
    np.testing.assert_allclose(noise, np.random.default_rng(noise_seed).standard_normal(1000), atol=1e-12)
    assert abs(noise.mean()) < 0.1 and noise.std() == pytest.approx(1.0, abs=0.05)


def test_friedman1_rows_are_a_prefix_of_every_larger_size():
    small, large = friedman1(5), friedman1(50)
    np.testing.assert_array_equal(small.X, large.X[:5])
    np.testing.assert_array_equal(small.y, large.y[:5])
    assert friedman1(1).n_samples == 1


@pytest.mark.parametrize("source", ["two_spirals", "parity:6", "encoder:8", "friedman1:20"])
def test_a_generated_dataset_is_deterministic(source):
    a, b = load(source), load(source)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes() and a.classes == b.classes


def test_the_generated_registry():
    assert tuple(GENERATED) == ("two_spirals", "parity", "encoder", "friedman1")
    assert tuple(BUILTIN_DATASETS) == (*BUNDLED, *GENERATED)
    assert tuple(BUNDLED_CATALOG) == tuple(BUILTIN_DATASETS)
    assert [BUNDLED_CATALOG[n].takes_size for n in GENERATED] == [False, True, True, True]
    assert [BUNDLED_CATALOG[n].sizes for n in GENERATED] == [
        None, "2 <= N <= 16", "N a power of two, 2 <= N <= 1024", "1 <= N <= 10000000"]
    assert not any(BUNDLED_CATALOG[n].takes_size for n in BUNDLED)
    registry = Registry(get_plugin_manager(autoload=False))
    assert {n: e.loader for n, e in registry.catalog().items()} == dict(BUILTIN_DATASETS)


# --- NAME:N, and its errors ------------------------------------------------------------------


def test_the_rule_reads_name_colon_size():
    parse = BUNDLED_CATALOG.parse
    assert parse("parity:8") == Source("parity:8", "parity", 8)
    assert parse("friedman1:0100") == Source("friedman1:0100", "friedman1", 100)
    assert parse("two_spirals") == Source("two_spirals", "two_spirals", None)
    assert parse("iris") == Source("iris", "iris", None)
    for path in ("data:1.csv", "C:\\data\\x.csv", "C:\\data", "./parity:8", "runs/parity:8", "x.csv"):
        assert parse(path) == Source(path, None) and parse(path).is_path  # not a registered NAME before the colon


BAD_SIZES = [
    ("parity", "dataset parity: parity:N takes 2 <= N <= 16, got no size"),
    ("parity:1", "dataset parity:1: parity:N takes 2 <= N <= 16, got 1"),
    ("parity:17", "dataset parity:17: parity:N takes 2 <= N <= 16, got 17"),
    ("parity:x", "dataset parity:x: parity:N takes 2 <= N <= 16, got 'x'"),
    ("parity:", "dataset parity:: parity:N takes 2 <= N <= 16, got ''"),
    ("parity:+8", "dataset parity:+8: parity:N takes 2 <= N <= 16, got '+8'"),
    ("parity:8.0", "dataset parity:8.0: parity:N takes 2 <= N <= 16, got '8.0'"),
    ("encoder:12", "dataset encoder:12: encoder:N takes N a power of two, 2 <= N <= 1024, got 12"),
    ("encoder:2048", "dataset encoder:2048: encoder:N takes N a power of two, 2 <= N <= 1024, got 2048"),
    ("friedman1:0", "dataset friedman1:0: friedman1:N takes 1 <= N <= 10000000, got 0"),
    ("friedman1:10000001", "dataset friedman1:10000001: friedman1:N takes 1 <= N <= 10000000, got 10000001"),
    ("two_spirals:194", "dataset two_spirals:194: two_spirals takes no size; use two_spirals"),
    ("iris:3", "dataset iris:3: iris takes no size; use iris"),
]


@pytest.mark.parametrize(("source", "message"), BAD_SIZES, ids=[b[0] for b in BAD_SIZES])
def test_a_bad_size_is_one_line_naming_the_dataset_and_its_sizes(source, message):
    with pytest.raises(DatasetError) as err:
        load(source)
    assert str(err.value) == message
    with pytest.raises(DatasetError) as err:
        BUNDLED_CATALOG.check_source(source)
    assert str(err.value) == message.replace("dataset ", "--dataset ", 1)


def test_an_unknown_name_before_a_colon_is_an_unknown_dataset():
    with pytest.raises(DatasetError) as err:
        BUNDLED_CATALOG.check_source("parit:8")
    assert str(err.value).startswith("--dataset parit:8: unknown dataset (did you mean parity?); registered: "
                                     "tutorial, xor, diabetes, iris, wine, breast_cancer, digits, two_spirals, "
                                     "parity:N, encoder:N, friedman1:N; ")


def test_a_file_named_like_an_unsized_dataset_and_a_size_is_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris:3").write_text("a,b\n1,2\n3,4\n")
    assert BUNDLED_CATALOG.parse("iris:3").is_path and load("iris:3").n_samples == 2
    (tmp_path / "parity:3").write_text("a,b\n1,2\n3,4\n")
    assert load("parity:3").n_samples == 8  # a registered generator wins, as a registered name does


def test_a_generated_dataset_called_directly_checks_its_size():
    with pytest.raises(DatasetError, match=r"^dataset parity:20: parity:N takes 2 <= N <= 16, got 20$"):
        parity(20)
    with pytest.raises(DatasetError, match=r"^dataset encoder:True: encoder:N takes N a power of two"):
        encoder(True)  # type: ignore[arg-type]  # a bool is no size
    assert parity.takes(np.int64(4)) and not parity.takes(4.0)  # type: ignore[arg-type]  # a float is no size


def test_a_dataset_spec_follows_the_rule(tmp_path):
    catalog = Catalog(DatasetEntry(n, f, "nnbench.contract.builtin") for n, f in BUILTIN_DATASETS.items())
    train, test = catalog.prepare(DatasetSpec("parity:4", standardize="features", test_size=0.25, split_seed=1))
    assert (train.n_samples, test.n_samples) == (12, 4) and train.classes == ("0", "1")
    np.testing.assert_allclose(train.X.mean(axis=0), 0.0, atol=1e-15)
    assert DatasetSpec("parity:4").label == "parity:4" and DatasetSpec("friedman1:100").label == "friedman1:100"
    path = tmp_path / "data:1.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    assert catalog.prepare(DatasetSpec(str(path)))[0].n_samples == 2


# --- a plugin's loader that takes a size -------------------------------------------------------


def test_takes_size_reads_the_signature():
    assert takes_size(lambda n: None) and takes_size(parity) and takes_size(lambda n, scale=1.0: None)
    assert not takes_size(lambda: None) and not takes_size(two_spirals) and not takes_size(lambda n=3: None)
    assert not takes_size(lambda n, m: None) and not takes_size(lambda *, n: None)
    assert not takes_size(BUNDLED_CATALOG["iris"].loader)  # partial(BundledDataset.load): target=None, ...
    assert not takes_size(print)  # no signature to read: called with no arguments, as before


SIZED_PLUGIN = '''
import numpy as np
from nnbench import hookimpl
from nnbench.datasets import Dataset, GeneratedDataset

def ramp(n):
    """n rows of a straight line."""
    x = np.linspace(0.0, 1.0, n)
    return Dataset(x[:, None], 2.0 * x + 1.0, name=f"ramp:{n}")

def _steps(n):
    x = np.arange(n, dtype=float)
    return Dataset(x[:, None], x % 2, name=f"steps:{n}")

@hookimpl
def nnbench_datasets():
    return {"ramp": ramp, "steps": GeneratedDataset("steps", _steps, 2, 100)}
'''


@pytest.fixture
def sized_plugin(tmp_path, monkeypatch):
    (tmp_path / "nnbench_test_sized.py").write_text(SIZED_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "nnbench_test_sized"
    sys.modules.pop("nnbench_test_sized", None)


def test_a_plugin_loader_taking_a_size_is_called_with_it(sized_plugin):
    catalog = Registry(get_plugin_manager(autoload=False, extra=[sized_plugin])).catalog()
    assert catalog["ramp"].takes_size and catalog["ramp"].sizes == "N a whole number"
    d = catalog.load("ramp:5")
    assert d.name == "ramp:5" and d.n_samples == 5
    np.testing.assert_allclose(d.y[:, 0], [1.0, 1.5, 2.0, 2.5, 3.0])
    assert catalog.load("steps:7").n_samples == 7
    with pytest.raises(DatasetError, match=r"^--dataset ramp: ramp:N takes N a whole number, got no size$"):
        catalog.check_source("ramp")
    with pytest.raises(DatasetError, match=r"^--dataset ramp:five: ramp:N takes N a whole number, got 'five'$"):
        catalog.check_source("ramp:five")
    with pytest.raises(DatasetError, match=r"^--dataset steps:500: steps:N takes 2 <= N <= 100, got 500$"):
        catalog.check_source("steps:500")  # declared sizes: checked before anything is generated
    with pytest.raises(DatasetError, match=r"registered: .*friedman1:N, ramp:N, steps:N; a CSV file"):
        catalog.check_source("rampp")
    assert isinstance(catalog.load("parity:3"), Dataset)  # nnbench's own are still there
