"""Tests of nnbench.datasets: the Dataset container, load_csv's parsing and errors, the bundled data."""

from __future__ import annotations

import numpy as np
import pytest

from nnbench.datasets import (
    BUNDLED,
    DATASET_LOADERS,
    Dataset,
    bundled_names,
    load,
    load_csv,
)
from nnbench.errors import ConfigError, DatasetError

TUTORIAL_X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
TUTORIAL_Y = np.array([[1.0], [0.0], [0.0], [1.0]])


def write(tmp_path, text: str | bytes, name: str = "data.csv"):
    """Write ``text`` byte for byte (no newline translation) and return the path."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def check_tutorial(d: Dataset) -> None:
    np.testing.assert_array_equal(d.X, TUTORIAL_X)
    np.testing.assert_array_equal(d.y, TUTORIAL_Y)
    assert d.X.dtype == np.float64 and d.y.dtype == np.float64
    assert d.X.flags.c_contiguous and d.y.flags.c_contiguous
    assert d.y.shape == (4, 1)
    assert d.feature_names == ("x_1", "x_2")
    assert d.target_names == ("y",)


# --- the bundled data -------------------------------------------------------------------


def test_tutorial_bundled_file_is_the_tutorials():
    from importlib.resources import files

    text = (files("nnbench.datasets") / "data" / "data.csv").read_text(encoding="utf-8")
    assert text == "x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n"
    d = load("tutorial")
    check_tutorial(d)
    assert d.name == "tutorial"
    assert (d.n_samples, d.n_features, d.n_outputs) == (4, 2, 1)


def test_xor_bundled():
    d = load("xor")
    np.testing.assert_array_equal(d.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(d.y, [[0], [1], [1], [0]])


def test_diabetes_is_efron_et_al():
    d = load("diabetes")
    assert d.X.shape == (442, 10) and d.y.shape == (442, 1)
    assert d.feature_names == ("AGE", "SEX", "BMI", "BP", "S1", "S2", "S3", "S4", "S5", "S6")
    assert d.target_names == ("Y",)
    np.testing.assert_array_equal(d.X[0], [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87])
    assert d.y[0, 0] == 151.0
    np.testing.assert_array_equal(d.X[-1], [36, 1, 19.6, 71, 250, 133.2, 97, 3, 4.5951, 92])
    assert d.y[-1, 0] == 57.0
    assert d.y.mean() == pytest.approx(152.133484162896, rel=1e-13)
    assert set(np.unique(d.X[:, 1])) == {1.0, 2.0}  # SEX is coded 1/2 in the original
    assert "Least Angle Regression" in d.source


def test_bundled_registry():
    assert bundled_names() == ("tutorial", "xor", "diabetes", "iris", "wine", "breast_cancer", "digits")
    assert tuple(BUNDLED) == bundled_names()
    assert set(DATASET_LOADERS) == set(bundled_names())
    for name, loader in DATASET_LOADERS.items():
        d = loader()
        assert isinstance(d, Dataset) and d.name == name
        assert BUNDLED[name].filename in d.source


def test_bundled_with_other_target():
    d = load("tutorial", target="x_1")
    np.testing.assert_array_equal(d.y[:, 0], [1, 0, 1, 0])
    assert d.feature_names == ("x_2", "y")


def test_load_by_path_and_unknown_name(tmp_path, monkeypatch):
    path = write(tmp_path, "a,b\n1,2\n3,4\n", "mine.csv")
    d = load(path)
    assert d.name == "mine" and d.source == str(path)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a,b\n1,2\n3,4\n", "plain")
    assert load("plain").n_samples == 2  # an existing file without suffix
    with pytest.raises(DatasetError) as err:
        load("diabets")
    assert str(err.value) == (
        "dataset diabets: unknown dataset (did you mean diabetes or digits?); registered: tutorial, xor, diabetes, "
        "iris, wine, breast_cancer, digits, two_spirals, parity:N, encoder:N, friedman1:N; "
        "a CSV file is a path (data.csv, ./data)"
    )
    with pytest.raises(DatasetError) as err:
        load("missing.csv")
    assert str(err.value) == "missing.csv: no such file"


# --- load_csv: what must load ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n",
        "x_1,x_2,y\r\n1,0,1\r\n0,1,0\r\n1,1,0\r\n0,0,1\r\n",  # CRLF
        "\ufeffx_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n",  # UTF-8 byte order mark
        "x_1,x_2,y\n1,0,1\n\n0,1,0\n   \n1,1,0\n0,0,1\n\n\n",  # blank lines
        "x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1",  # no final newline
        "\ufeffx_1,x_2,y\r\n1,0,1\r\n0,1,0\r\n\r\n1,1,0\r\n0,0,1",  # all of them
        ' x_1 ,"x_2",y\n 1, 0 ,"1"\n0,1,0\n1,1,0\n0,0,1\n',  # spaces and quotes
        "x_1,x_2,y\n1.0,0e0,1\n0,1,0.0\n1,1,-0\n0,+0,1E0\n",  # number spellings
    ],
    ids=["lf", "crlf", "bom", "blank-lines", "no-final-newline", "all", "quotes", "spellings"],
)
def test_tutorial_variants_load_exactly(tmp_path, raw):
    check_tutorial(load_csv(write(tmp_path, raw)))


def test_semicolon_and_tab_delimiters(tmp_path):
    check_tutorial(load_csv(write(tmp_path, "x_1;x_2;y\n1;0;1\n0;1;0\n1;1;0\n0;0;1\n"), delimiter=";"))
    check_tutorial(load_csv(write(tmp_path, "x_1\tx_2\ty\n1\t0\t1\n0\t1\t0\n1\t1\t0\n0\t0\t1\n"), delimiter="\t"))


def test_semicolon_file_read_with_commas_is_a_clear_error(tmp_path):
    path = write(tmp_path, "x_1;x_2;y\n1;0;1\n0;1;0\n")
    with pytest.raises(DatasetError) as err:
        load_csv(path)
    assert str(err.value) == (
        f"{path}, line 1: the header has 1 column ('x_1;x_2;y'), a feature and a target "
        "need 2 (the delimiter is ',')"
    )


def test_target_by_name_in_the_middle(tmp_path):
    path = write(tmp_path, "a,t,b\n1,10,2\n3,30,4\n5,50,6\n")
    d = load_csv(path, target="t", name="mid")
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(d.y, [[10], [30], [50]])
    assert d.feature_names == ("a", "b") and d.target_names == ("t",)
    assert d.name == "mid"
    assert d.X.flags.c_contiguous and d.y.flags.c_contiguous


def test_several_targets_in_the_order_given(tmp_path):
    path = write(tmp_path, "a,u,b,v\n1,10,2,100\n3,30,4,300\n")
    d = load_csv(path, target=["v", "u"])
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(d.y, [[100, 10], [300, 30]])
    assert d.target_names == ("v", "u") and d.n_outputs == 2
    assert load_csv(path, target=("u",)).y.shape == (2, 1)
    with pytest.raises(DatasetError) as err:
        load_csv(path, target=["a", "u", "b", "v"])
    assert str(err.value) == f"{path}: every column is a target, no feature column is left"


# --- load_csv: every bad file, with its exact message ------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("x_1,x_2,y\n1,0,1\n0,,0\n", "line 3, column 2 ('x_2'): empty cell"),
        ("x_1,x_2,y\n1,0,1\n0, ,0\n", "line 3, column 2 ('x_2'): empty cell"),
        ("x_1,x_2,y\n1,0,1\n0,1,\n", "line 3, column 3 ('y'): empty cell"),
        ("x_1,x_2,y\n1,0,1\n0,1,0\n1,abc,0\n", "line 4, column 2 ('x_2'): not a number: 'abc'"),
        ("x_1,x_2,y\n1,0,1\n0,1,0\nnan,1,0\n", "line 4, column 1 ('x_1'): not a finite number: 'nan'"),
        ("x_1,x_2,y\n1,0,1\n0,1,-inf\n", "line 3, column 3 ('y'): not a finite number: '-inf'"),
        ("x_1,x_2,y\n1,0,1\n0,1,1e999\n", "line 3, column 3 ('y'): not a finite number: '1e999'"),
        ("x_1,x_2,y\n1,0,1\n0,1,0\n1,1\n", "line 4: 2 cells, the header has 3 columns"),
        ("x_1,x_2,y\n1,0,1\n0,1,0,7\n", "line 3: 4 cells, the header has 3 columns"),
        ("x_1,x_2,y\n1,0,1\n5\n", "line 3: 1 cell, the header has 3 columns"),
        ("x_1,x_2,y\r\n\r\n1,0,1\r\n\r\n0,1\r\n", "line 5: 2 cells, the header has 3 columns"),
        ("x_1,x_2,y\n1,0,1\n\n", "1 data row, need at least 2"),
        ("x_1,x_2,y\n", "only a header, no data rows"),
        ("x_1,x_2,y", "only a header, no data rows"),
        ("", "empty file, expected a header line"),
        ("\n\r\n  \n", "empty file, expected a header line"),
        ("\ufeff", "empty file, expected a header line"),
        ("x_1,,y\n1,0,1\n0,1,0\n", "line 1, column 2: empty column name in the header"),
        ("x_1,x_2,y,\n1,0,1,\n0,1,0,\n", "line 1, column 4: empty column name in the header"),
        ("x_1,x_1,y\n1,0,1\n0,1,0\n", "line 1, column 2 ('x_1'): duplicate column name, also column 1"),
        ("y\n1\n0\n", "line 1: the header has 1 column ('y'), a feature and a target need 2 (the delimiter is ',')"),
        ('x_1,x_2,y\n1,0,1\n"0,1,0\n', "line 3: unreadable CSV (unexpected end of data)"),
        (b"x_1,x_2,y\n1,0,1\n0,\xff,0\n", "line 3: not UTF-8 text (invalid start byte)"),
    ],
    ids=[
        "empty-cell", "blank-cell", "empty-last-cell", "non-numeric", "nan", "inf", "overflow",
        "short-row", "long-row", "one-cell-row", "ragged-after-blank-crlf", "one-row",
        "header-only", "header-only-no-newline", "empty", "blank-only", "bom-only",
        "empty-name", "trailing-delimiter", "duplicate-name", "one-column", "open-quote",
        "not-utf8",
    ],
)
def test_bad_csv_messages(tmp_path, raw, message):
    path = write(tmp_path, raw)
    with pytest.raises(DatasetError) as err:
        load_csv(path)
    separator = ", " if message.startswith("line") else ": "
    assert str(err.value) == f"{path}{separator}{message}"
    assert "\n" not in str(err.value)


def test_unknown_target_lists_columns_and_closest(tmp_path):
    path = write(tmp_path, "x_1,x_2,target\n1,0,1\n0,1,0\n")
    with pytest.raises(DatasetError) as err:
        load_csv(path, target="targte")
    assert str(err.value) == (
        f"{path}: no column named 'targte' for the target (did you mean target?); the columns are "
        "'x_1', 'x_2', 'target'"
    )
    with pytest.raises(DatasetError) as err:
        load_csv(path, target=["x_1", "x_3"])
    assert "no column named 'x_3' for the target (did you mean x_2 or x_1?); the columns are" in str(err.value)
    assert "no column named 'x_3'" in str(err.value)


def test_bad_target_and_delimiter_arguments(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n")
    with pytest.raises(ConfigError, match=r"^target must name at least one column, got an empty list$"):
        load_csv(path, target=[])
    with pytest.raises(ConfigError, match=r"^target names column 'b' twice$"):
        load_csv(path, target=["b", "b"])
    with pytest.raises(ConfigError, match=r"^delimiter must be one character"):
        load_csv(path, delimiter=";;")


def test_missing_file_and_directory(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DatasetError) as err:
        load_csv(missing)
    assert str(err.value) == f"{missing}: no such file"
    with pytest.raises(DatasetError, match=r"cannot read the file"):
        load_csv(tmp_path)


# --- the Dataset container ---------------------------------------------------------------


def test_dataset_validates_and_normalises_shapes():
    d = Dataset(X=[[1, 2], [3, 4], [5, 6]], y=[7, 8, 9], name="d")
    assert d.y.shape == (3, 1) and d.y.dtype == np.float64 and d.X.dtype == np.float64
    assert d.feature_names == ("x_1", "x_2") and d.target_names == ("y",)
    assert Dataset(X=np.ones((2, 1)), y=np.ones((2, 2))).target_names == ("y_1", "y_2")
    fortran = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    assert Dataset(X=fortran, y=[1, 2, 3]).X.flags.c_contiguous
    with pytest.raises(DatasetError, match=r"^dataset 'd': X has 3 rows but y has 2$"):
        Dataset(X=np.ones((3, 2)), y=np.ones(2), name="d")
    with pytest.raises(DatasetError, match=r"^dataset 'd': X must be 2-D, got shape \(3,\)$"):
        Dataset(X=np.ones(3), y=np.ones(3), name="d")
    with pytest.raises(DatasetError, match=r"^dataset 'd': X\[1, 0\] is nan, not a finite number$"):
        Dataset(X=[[1.0], [np.nan]], y=[1, 2], name="d")
    with pytest.raises(DatasetError, match=r"^dataset 'd': 1 feature names for 2 columns$"):
        Dataset(X=np.ones((2, 2)), y=np.ones(2), name="d", feature_names=("a",))
    with pytest.raises(DatasetError, match=r"^dataset 'd': empty"):
        Dataset(X=np.ones((0, 2)), y=np.ones(0), name="d")


def test_dataset_is_immutable_and_owns_its_arrays():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    d = Dataset(X=X, y=[1.0, 2.0])
    X[0, 0] = 99.0
    assert d.X[0, 0] == 1.0
    with pytest.raises(ValueError):
        d.X[0, 0] = 5.0
    with pytest.raises(AttributeError):
        d.name = "other"  # type: ignore[misc]


# --- standardization and splitting -------------------------------------------------------


def test_standardized_uses_reference_statistics():
    d = load("diabetes")
    train, test = d.split(0.25, seed=1)
    s_train = train.standardized()
    np.testing.assert_allclose(s_train.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(s_train.X.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(s_train.y, train.y)  # target untouched by default
    s_test = test.standardized(train)
    expected = (test.X - train.X.mean(axis=0)) / train.X.std(axis=0)
    np.testing.assert_allclose(s_test.X, expected, rtol=1e-14)
    assert np.abs(s_test.X.mean(axis=0)).max() > 1e-3  # not its own statistics
    both = train.standardized(target=True)
    assert both.y.mean() == pytest.approx(0.0, abs=1e-12)
    assert both.y.std() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(
        test.standardized(train, target=True).y, (test.y - train.y.mean()) / train.y.std(), rtol=1e-14
    )
    assert s_test.feature_names == d.feature_names and s_test.name == "diabetes"


def test_standardized_constant_column_is_only_centred():
    d = Dataset(X=[[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]], y=[1, 2, 3])
    s = d.standardized()
    np.testing.assert_array_equal(s.X[:, 0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(s.X[:, 1], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    other = Dataset(X=[[0.6, 1.0]], y=[1])
    np.testing.assert_allclose(other.standardized(d).X[0, 0], 0.5)


def test_standardized_reference_must_match():
    with pytest.raises(DatasetError, match=r"reference 'b' has 3 features"):
        Dataset(X=np.eye(2), y=[1, 2], name="a").standardized(Dataset(X=np.eye(3), y=[1, 2, 3], name="b"))


def test_split_is_seeded_disjoint_and_complete():
    n = 50
    d = Dataset(X=np.arange(2.0 * n).reshape(n, 2), y=np.arange(n) * 10.0, name="rows")
    train, test = d.split(0.2, seed=7)
    assert (train.n_samples, test.n_samples) == (40, 10)
    rows_train = set(train.X[:, 0] // 2)
    rows_test = set(test.X[:, 0] // 2)
    assert rows_train.isdisjoint(rows_test) and rows_train | rows_test == set(range(n))
    np.testing.assert_array_equal(train.y[:, 0], train.X[:, 0] * 5)  # rows stay whole
    again_train, again_test = d.split(0.2, seed=7)
    np.testing.assert_array_equal(again_train.X, train.X)
    np.testing.assert_array_equal(again_test.X, test.X)
    other_train, _ = d.split(0.2, seed=8)
    assert not np.array_equal(other_train.X, train.X)
    order = np.random.default_rng(7).permutation(n)
    np.testing.assert_array_equal(test.X[:, 0] // 2, order[:10])
    assert train.X.flags.c_contiguous and train.name == "rows"


def test_split_small_and_bad_sizes():
    d = load("tutorial")
    train, test = d.split(0.25, seed=0)
    assert (train.n_samples, test.n_samples) == (3, 1)
    train, test = d.split(0.01, seed=0)
    assert (train.n_samples, test.n_samples) == (3, 1)  # at least one test row
    for bad in (0.0, 1.0, -0.5, 1.5, True, "0.2"):
        with pytest.raises(ConfigError, match=r"^test_size must be a fraction in \(0, 1\), got "):
            d.split(bad, seed=0)
    with pytest.raises(ConfigError) as err:
        d.split(0.8, seed=0)
    assert str(err.value) == (
        "test_size=0.8 of 4 samples leaves 0 for training; need at least 1 in each part"
    )


# --- class labels ------------------------------------------------------------------------


def test_encode_labels_orders_integers_by_value_and_text_by_code_point():
    from nnbench.datasets import encode_labels

    onehot, classes = encode_labels(["2", "10", "-1", "2", "+3"])
    assert classes == ("-1", "2", "+3", "10")
    np.testing.assert_array_equal(onehot, [[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    assert onehot.dtype == np.float64 and onehot.shape == (5, 4)
    assert encode_labels(["1", "0"])[1] == ("0", "1")
    assert encode_labels(["3", "03", "1"])[1] == ("1", "03", "3")  # equal values, two spellings
    assert encode_labels(["b", "a", "B", "10", "9"])[1] == ("10", "9", "B", "a", "b")  # not all integers
    assert encode_labels(["1.5", "1"])[1] == ("1", "1.5")  # '1.5' is no integer: text order
    assert encode_labels(["\u0663", "2"])[1] == ("2", "\u0663")  # ASCII digits only
    with pytest.raises(DatasetError) as err:
        encode_labels(["a", "a"], where="f.csv, column 3 ('k')")
    assert str(err.value) == (
        "f.csv, column 3 ('k'): every label is 'a', 1 class; classification needs at least 2 classes"
    )
    with pytest.raises(DatasetError, match=r"^labels: no labels; classification needs at least 2 classes$"):
        encode_labels([])
    with pytest.raises(DatasetError, match=r"^labels: label 1 is '', not a non-empty string$"):
        encode_labels(["a", ""])
    with pytest.raises(DatasetError, match=r"^labels: label 0 is 3, not a non-empty string$"):
        encode_labels([3, 4])  # type: ignore[list-item]


def test_load_csv_labels(tmp_path):
    path = write(tmp_path, "x_1,species,x_2\n1,setosa,2\n3, virginica ,4\n5,setosa,6\n7,versicolor,8\n")
    d = load_csv(path, target="species", labels=True)
    assert d.classes == ("setosa", "versicolor", "virginica")
    assert d.target_names == ("species_setosa", "species_versicolor", "species_virginica")
    assert d.feature_names == ("x_1", "x_2")
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_array_equal(d.y, [[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert d.y.dtype == np.float64 and d.y.flags.c_contiguous and d.n_outputs == 3
    assert "classes=('setosa', 'versicolor', 'virginica')" in repr(d)
    numbered = load_csv(write(tmp_path, "a,b,k\n1,2,1\n3,4,-1\n5,6,0\n", "n.csv"), labels=True)
    assert numbered.classes == ("-1", "0", "1") and numbered.target_names == ("k_-1", "k_0", "k_1")
    np.testing.assert_array_equal(numbered.y, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    with pytest.raises(DatasetError, match=r"line 2, column 2 \('species'\): not a number: 'setosa'$"):
        load_csv(path, target="species")  # without labels, a numeric column
    with pytest.raises(DatasetError) as target:  # a caller that knows the loss can say how labels are read
        load_csv(path, target="species")
    with pytest.raises(DatasetError) as feature:
        load_csv(path, target="x_2")
    assert target.value.target_not_number and not feature.value.target_not_number
    assert load_csv(write(tmp_path, "a,b\n1,2\n3,4\n", "r.csv")).classes is None


@pytest.mark.parametrize(
    ("raw", "kw", "message"),
    [
        ("a,b,k\n1,2,x\n3,4,\n", {}, "line 3, column 3 ('k'): empty class label"),
        ("a,b,k\n1,2,x\n3,4,  \n", {}, "line 3, column 3 ('k'): empty class label"),
        ("a,k,b\n1,x,2\nz,,4\n", {"target": "k"}, "line 3, column 1 ('a'): not a number: 'z'"),
        ("a,k,b\n1,x,2\n3,,z\n", {"target": "k"}, "line 3, column 2 ('k'): empty class label"),
        ("a,b,k\n1,2,x\nnan,4,y\n", {}, "line 3, column 1 ('a'): not a finite number: 'nan'"),
        ("a,b,k\n1,2,x\n3,4\n", {}, "line 3: 2 cells, the header has 3 columns"),
        ("a,b,k\n1,2,x\n3,4, x\n", {}, "column 3 ('k'): every label is 'x', 1 class; "
         "classification needs at least 2 classes"),
        ('a,b,k\n1,2,"x"\n3,4,x\n', {}, "column 3 ('k'): every label is 'x', 1 class; "
         "classification needs at least 2 classes"),
        ("a,b,k\n1,2,x\n", {}, "1 data row, need at least 2"),
        ("a,b,k\n1,2,x\n3,4,y\n", {"target": "kk"}, "no column named 'kk' for the target (did you mean k?); "
         "the columns are 'a', 'b', 'k'"),
    ],
    ids=["empty-label", "blank-label", "number-left-of-empty-label", "empty-label-left-of-number",
         "nan-feature", "ragged", "one-class", "one-class-quoted", "one-row", "unknown-target"],
)
def test_load_csv_label_errors(tmp_path, raw, kw, message):
    path = write(tmp_path, raw)
    with pytest.raises(DatasetError) as err:
        load_csv(path, labels=True, **kw)
    separator = ", " if message.startswith(("line", "column")) else ": "
    assert str(err.value) == f"{path}{separator}{message}"


def test_load_csv_label_arguments(tmp_path):
    path = write(tmp_path, "a,b,k\n1,2,x\n3,4,y\n")
    with pytest.raises(ConfigError) as err:
        load_csv(path, target=["a", "k"], labels=True)
    assert str(err.value) == "labels=True reads one target column as class labels, got 2 target columns"
    with pytest.raises(ConfigError, match=r"^labels must be True or False, got 'yes'$"):
        load_csv(path, labels="yes")  # type: ignore[arg-type]
    assert load_csv(path, target=["k"], labels=True).classes == ("x", "y")


def test_dataset_classes_are_checked_and_kept():
    y = [[1, 0], [0, 1], [1, 0], [0, 1]]
    d = Dataset(X=np.arange(8.0).reshape(4, 2), y=y, name="c", classes=["no", "yes"])
    assert d.classes == ("no", "yes")
    train, test = d.split(0.5, seed=0)
    assert train.classes == test.classes == ("no", "yes")
    assert d.standardized().classes == ("no", "yes")
    np.testing.assert_array_equal(d.standardized().y, d.y)
    with pytest.raises(DatasetError) as err:
        d.standardized(target=True)
    assert str(err.value) == (
        "dataset 'c': y is the one-hot code of 2 classes, which standardized(target=True) would "
        "destroy; standardize the features only (target=False)"
    )
    plain = Dataset(X=np.ones((2, 2)), y=[1.0, 2.0], name="p")
    with pytest.raises(DatasetError, match=r"^dataset 'c': y is the one-hot code of 2 classes"):
        plain.standardized(d, target=True)  # the reference's classes are named
    for classes, message in [
        (("a",), "dataset 'c': 1 classes, classification needs at least 2"),
        (("a", "a"), "dataset 'c': class 'a' is named twice"),
        (("a", "b", "c"), "dataset 'c': 3 classes for 2 target columns; y must be their one-hot code, "
         "one column per class"),
        ("ab", "dataset 'c': classes must be a sequence of class names, got the string 'ab'"),
    ]:
        with pytest.raises(DatasetError) as err:
            Dataset(X=np.ones((4, 2)), y=y, name="c", classes=classes)
        assert str(err.value) == message
    with pytest.raises(DatasetError) as err:
        Dataset(X=np.ones((2, 2)), y=[[1, 1], [0, 1]], name="c", classes=("a", "b"))
    assert str(err.value) == "dataset 'c': y[0] is [1.0, 1.0], not a one-hot row (one 1, the rest 0)"
    with pytest.raises(DatasetError, match=r"y\[1\] is \[0.5, 0.5\], not a one-hot row"):
        Dataset(X=np.ones((2, 2)), y=[[1, 0], [0.5, 0.5]], name="c", classes=("a", "b"))


# --- standardization of extreme columns ------------------------------------------------------


def zscore_before(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Dataset.standardized's formula before the overflow fix, for the bit-for-bit comparison."""
    mean = reference.mean(axis=0)
    std = reference.std(axis=0)
    constant = np.ptp(reference, axis=0) == 0
    mean[constant] = reference[0, constant]
    std[constant] = 1.0
    return (values - mean) / std


def test_standardized_ordinary_data_bit_for_bit_as_before():
    d = load("diabetes")
    train, test = d.split(0.3, seed=4)
    rng = np.random.default_rng(5)
    wide = Dataset(X=rng.standard_normal((300, 6)) * 10.0 ** np.arange(-120, 180, 50), y=rng.random(300))
    const = Dataset(X=[[0.1, 1.0, -3.0], [0.1, 2.0, -3.0], [0.1, 3.5, -3.0]], y=[1, 2, 3])
    cases = [(d, d), (test, train), (train, train), (wide, wide), (const, const)]
    for values, reference in cases:
        got = values.standardized(reference).X
        np.testing.assert_array_equal(got.view(np.uint64), zscore_before(values.X, reference.X).view(np.uint64))
        got_y = values.standardized(reference, target=True).y
        np.testing.assert_array_equal(got_y.view(np.uint64), zscore_before(values.y, reference.y).view(np.uint64))


@pytest.mark.parametrize("scale", [1e155, 1e160, 1e300, 1e307, 1e-160, 1e-200, 1e-310])
def test_standardized_extreme_columns_are_scaled_not_zeroed(scale):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((200, 2))
    X = np.column_stack([base[:, 0] * scale, base[:, 1]])
    d = Dataset(X=X, y=np.zeros(200), name="big")
    with np.errstate(all="ignore"):
        before = zscore_before(d.X, d.X)
    if scale >= 1e155:  # the old formula: a column of 0 (std inf), or of nan (mean inf)
        assert np.all(before[:, 0] == 0) or np.isnan(before[:, 0]).all()
    elif scale <= 1e-200:  # the variance underflowed to 0: inf and nan
        assert not np.isfinite(before[:, 0]).all()
    s = d.standardized().X
    assert np.isfinite(s).all()
    assert s[:, 0].mean() == pytest.approx(0.0, abs=1e-12)
    assert s[:, 0].std() == pytest.approx(1.0, rel=1e-12)
    expected = (base[:, 0] - base[:, 0].mean()) / base[:, 0].std()  # z-scores do not depend on scale
    np.testing.assert_allclose(s[:, 0], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(s[:, 1], before[:, 1])  # the other column as before
    np.testing.assert_array_equal(d.standardized(target=True).y, 0.0)


def test_standardized_near_float64_max_and_mixed_signs():
    X = np.array([[1.7e308, 1.0], [-1.7e308, 2.0], [1e308, 3.0]])
    s = Dataset(X=X, y=[1, 2, 3], name="edge").standardized().X
    assert np.isfinite(s).all()
    expected = (X[:, 0] / 1.7e308 - (X[:, 0] / 1.7e308).mean()) / (X[:, 0] / 1.7e308).std()
    np.testing.assert_allclose(s[:, 0], expected, rtol=1e-12)


def test_standardized_overflowing_z_scores_are_an_error_naming_the_column():
    train = Dataset(X=[[1.0, 0.0], [1.0 + 1e-10, 1.0], [1.0 - 1e-10, 2.0]], y=[1, 2, 3], name="train",
                    feature_names=("x_1", "x_3"))
    test = Dataset(X=[[1e300, 0.0], [1.0, 1.0]], y=[1, 2], name="test", feature_names=("x_1", "x_3"))
    with pytest.raises(DatasetError) as err:
        test.standardized(train)
    assert str(err.value) == (
        "dataset 'test': column 'x_1' cannot be standardized: its values (up to 1e+300 in magnitude) "
        "overflow float64 as z-scores with the statistics of 'train' (mean 1, std 8.16e-11)"
    )
    big = Dataset(X=[[1e300, 1.0], [-1e300, 2.0]], y=[1.0, 2.0], name="big", target_names=("t",))
    tiny = Dataset(X=[[1.0, 1.0], [2.0, 2.0]], y=[1e-300, 2e-300], name="tiny")
    with pytest.raises(DatasetError, match=r"^dataset 'big': column 't' cannot be standardized"):
        Dataset(X=[[1.0, 1.0], [2.0, 2.0]], y=[1e300, -1e300], name="big", target_names=("t",)).standardized(
            tiny, target=True)
    assert np.isfinite(big.standardized(target=True).X).all()
