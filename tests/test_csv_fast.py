"""load_csv's two readers give one result: the fast path (numpy.loadtxt) against the strict parser.

For every file, :func:`nnbench.datasets.csv_reader.load_csv` must give exactly what the strict parser
gives, and that must be what the parser gave before the fast path existed
(``csv_reference.py``, frozen): the same arrays bit for bit, or the same one-line error.
The fast path itself (``_load_fast``) must read the plain files and decline the rest.
"""

from __future__ import annotations

import csv_reference
import numpy as np
import pytest

from nnbench.datasets import Dataset, load_csv
from nnbench.datasets.csv_reader import _load_fast, parse_csv
from nnbench.errors import ConfigError, DatasetError


def write(tmp_path, raw: str | bytes, name: str = "data.csv"):
    path = tmp_path / name
    path.write_bytes(raw.encode("utf-8") if isinstance(raw, str) else raw)
    return path


def bits(a: np.ndarray) -> np.ndarray:
    """The float64 array's bit patterns, so that -0.0 != 0.0 and every last bit counts."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def same(d: Dataset, e: Dataset) -> None:
    np.testing.assert_array_equal(bits(d.X), bits(e.X))
    np.testing.assert_array_equal(bits(d.y), bits(e.y))
    assert (d.feature_names, d.target_names, d.name, d.source, d.classes) == (
        e.feature_names, e.target_names, e.name, e.source, e.classes)


def outcome(f):
    """``f()``'s arrays and names, or its error's type and message."""
    try:
        r = f()
    except (DatasetError, ConfigError) as exc:
        return type(exc).__name__, str(exc)
    if isinstance(r, Dataset):
        r = (r.X, r.y, r.feature_names, r.target_names)
    X, y, fn, tn = r
    return "ok", bits(X).tobytes(), X.shape, bits(y).tobytes(), y.shape, fn, tn


def oracle(path, **kw):
    raw = path.read_bytes()
    where = str(path)
    return outcome(lambda: csv_reference._parse_csv(
        raw, where, kw.get("target"), kw.get("delimiter", ","), path.stem, where))


def strict(path, **kw):
    where = str(path)
    return parse_csv(path.read_bytes(), where, kw.get("target"), kw.get("delimiter", ","),
                      path.stem, where, kw.get("labels", False))


def fast(path, **kw):
    where = str(path)
    return _load_fast(path, where, kw.get("target"), kw.get("delimiter", ","),
                      kw.get("labels", False), path.stem)


# --- valid files the fast path reads: identical to the strict parser and the old one ---------


RNG_TEXT = np.random.default_rng(20240501)
SPELLINGS = ["0", "-0", "+0", "1", "-1", "1.0", "1.", ".5", "-.5", "1e5", "1E-5", "+2.5e+3",
             "123456789012345678901234567890", "0.1", "0.30000000000000004", "1e-320",
             "4.9e-324", "1.7976931348623157e308", "-2.2250738585072014e-308", " 7 ", "\t8",
             "9\xa0", "00012", "1e0", "3.141592653589793238462643383279"]


def random_cells(rng, n_rows: int, n_cols: int) -> list[list[str]]:
    cells = []
    for _ in range(n_rows):
        row = []
        for _ in range(n_cols):
            kind = rng.integers(4)
            if kind == 0:
                row.append(SPELLINGS[rng.integers(len(SPELLINGS))])
            elif kind == 1:
                row.append(repr(float(rng.standard_normal() * 10.0 ** rng.integers(-300, 300))))
            elif kind == 2:
                row.append(f"{rng.standard_normal():.17g}")
            else:
                row.append(str(int(rng.integers(-10**6, 10**6))))
        cells.append(row)
    return cells


VALID = {
    "lf": "x_1,x_2,y\n1,0,1\n0,1,0\n1,1,0\n0,0,1\n",
    "crlf": "x_1,x_2,y\r\n1,0,1\r\n0,1,0\r\n",
    "cr": "x_1,x_2,y\r1,0,1\r0,1,0\r",
    "mixed-ends": "x_1,x_2,y\r\n1,0,1\r0,1,0\n2,2,2",
    "bom": "\ufeffx_1,x_2,y\n1,0,1\n0,1,0\n",
    "bom-blank-first": "\ufeff\n\nx_1,x_2,y\n1,0,1\n0,1,0\n",
    "empty-lines": "\n\nx_1,x_2,y\n\n1,0,1\n\n\n0,1,0\n\n",
    "no-final-newline": "x_1,x_2,y\n1,0,1\n0,1,0",
    "spaces": " x_1 , x_2 ,y\n 1 ,\t0, 1\n0 ,1 ,0\n",
    "unicode-spaces": "a,b\n\xa01\u2003,\x1c2\n3,4\n",
    "hash-is-a-name": "#a,b#\n1,2\n3,4\n",
    "negative-zero": "a,b\n-0,0\n0,-0.0\n",
    "spellings": "a,b,c\n" + "\n".join(",".join(SPELLINGS[i:i + 3]) for i in range(0, 24, 3)) + "\n",
    "random": "a,b,c,d,e\n" + "\n".join(",".join(r) for r in random_cells(RNG_TEXT, 200, 5)) + "\n",
}


@pytest.mark.parametrize("raw", VALID.values(), ids=VALID.keys())
def test_fast_path_reads_valid_files_exactly_as_the_strict_parser(tmp_path, raw):
    path = write(tmp_path, raw)
    d = fast(path)
    assert d is not None, "the fast path declined a plain file"
    same(d, strict(path))
    same(d, load_csv(path))
    assert outcome(lambda: d) == oracle(path)


@pytest.mark.parametrize("delimiter", [";", "\t", " ", "|"])
def test_fast_path_with_other_delimiters(tmp_path, delimiter):
    rows = random_cells(np.random.default_rng(3), 50, 4)
    rows = [[c.strip() for c in r] for r in rows]  # a space delimiter: no spaces inside cells
    path = write(tmp_path, delimiter.join(["p", "q", "r", "s"]) + "\n"
                 + "\n".join(delimiter.join(r) for r in rows) + "\n")
    d = fast(path, delimiter=delimiter)
    assert d is not None
    same(d, strict(path, delimiter=delimiter))
    assert outcome(lambda: d) == oracle(path, delimiter=delimiter)


@pytest.mark.parametrize("target", [None, "a", ["c", "a"], ("b",)])
def test_fast_path_targets(tmp_path, target):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n7,8,9\n")
    d = fast(path, target=target)
    assert d is not None
    same(d, strict(path, target=target))
    assert outcome(lambda: d) == oracle(path, target=target)


def test_fast_path_on_a_large_file(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5000, 11)) * 10.0 ** rng.integers(-5, 5, (5000, 11))
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write(",".join(f"x_{i}" for i in range(1, 11)) + ",y\n")
        np.savetxt(f, a, delimiter=",", fmt="%.17g")
    d = fast(path)
    assert d is not None
    same(d, strict(path))
    np.testing.assert_array_equal(bits(np.hstack([d.X, d.y])), bits(a))  # %.17g round-trips
    np.testing.assert_array_equal(bits(np.loadtxt(path, delimiter=",", skiprows=1)), bits(a))


# --- what the fast path must decline, and what load_csv then says -----------------------------


DECLINED = {
    "quoted-cell": 'a,b\n"1",2\n3,4\n',
    "quoted-header": '"a",b\n1,2\n3,4\n',
    "quote-then-space": 'a,b\n"1" ,2\n3,4\n',
    "whitespace-line": "a,b\n1,2\n   \n3,4\n",
    "formfeed-line": "a,b\n1,2\n\x0c\n3,4\n",
    "whitespace-last-line": "a,b\n1,2\n3,4\n  ",
    "underscores": "a,b\n1_000,2\n3,4\n",
    "arabic-digit": "a,b\n\u0661,2\n3,4\n",
    "nan": "a,b\nnan,2\n3,4\n",
    "inf": "a,b\n1,inf\n3,4\n",
    "infinity": "a,b\n1,-Infinity\n3,4\n",
    "overflow": "a,b\n1,1e999\n3,4\n",
    "empty-cell": "a,b\n1,\n3,4\n",
    "blank-cell": "a,b\n1, \n3,4\n",
    "trailing-delimiter": "a,b\n1,2,\n3,4,\n",
    "all-rows-wider": "a,b\n1,2,3\n3,4,5\n",
    "all-rows-narrower": "a,b,c\n1,2\n3,4\n",
    "ragged": "a,b\n1,2\n3,4,5\n",
    "comment-char": "a,b\n1,2#c\n3,4\n",
    "comment-line": "a,b\n#1,2\n3,4\n",
    "hex": "a,b\n0x10,2\n3,4\n",
    "one-row": "a,b\n1,2\n",
    "header-only": "a,b\n",
    "empty": "",
    "duplicate-name": "a,a\n1,2\n3,4\n",
    "empty-name": "a,,b\n1,2,3\n4,5,6\n",
    "one-column": "a\n1\n2\n",
    "not-utf8": b"a,b\n1,2\n3,\xff\n",
    "not-utf8-header": b"a\xff,b\n1,2\n3,4\n",
    "open-quote": 'a,b\n1,2\n"3,4\n',
    "nul": "a,b\n1,2\x00\n3,4\n",
}


@pytest.mark.parametrize("raw", DECLINED.values(), ids=DECLINED.keys())
def test_fast_path_declines_and_load_csv_says_what_the_old_parser_said(tmp_path, raw):
    path = write(tmp_path, raw)
    assert fast(path) is None
    assert outcome(lambda: load_csv(path)) == oracle(path)


def test_fast_path_declines_bad_targets_and_arguments(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n")
    for kw in ({"target": "z"}, {"target": []}, {"target": ["a", "a"]}, {"target": ["a", "b", "c"]},
               {"delimiter": ";;"}, {"delimiter": '"'}):
        assert fast(path, **kw) is None
        assert outcome(lambda: load_csv(path, **kw)) == oracle(path, **kw)
    assert fast(tmp_path / "missing.csv") is None
    assert fast(tmp_path) is None  # a directory


def test_a_bom_before_bytes_that_are_not_utf8_counts_lines_right(tmp_path):
    # the old parser counted the lines of the bytes before the error from the wrong start
    # (3 bytes early, the BOM), and said line 1 here
    path = write(tmp_path, b"\xef\xbb\xbfa,b\n\xff,2\n3,4\n")
    with pytest.raises(DatasetError) as err:
        load_csv(path)
    assert str(err.value) == f"{path}, line 2: not UTF-8 text (invalid start byte)"


# --- many random faulty files: the same message as the old parser, in the same order ----------


FAULTY_CELLS = ["", " ", "abc", "nan", "-inf", "1e999", "1_0", '"1"', '"1" ', ' "1"', "#1", "0x1",
                "\ufeff1", "\x1c1", "\u0661", "-0", "+.5", "1e-400", '"', '"a,b"', '"1\n2"', "1 2"]
HEADER_FAULTS = ["", "a", "dup", '"q"', "#h"]


def random_file(rng) -> tuple[bytes, dict]:
    n_cols = int(rng.integers(2, 5))
    header = [f"c{j}" for j in range(n_cols)]
    if rng.random() < 0.15:
        j = int(rng.integers(n_cols))
        fault = HEADER_FAULTS[rng.integers(len(HEADER_FAULTS))]
        header[j] = header[(j + 1) % n_cols] if fault == "dup" else fault
    rows = random_cells(rng, int(rng.integers(0, 6)), n_cols)
    for row in rows:
        if rng.random() < 0.25:
            row[rng.integers(n_cols)] = FAULTY_CELLS[rng.integers(len(FAULTY_CELLS))]
        if rng.random() < 0.05:
            row.pop()
        if rng.random() < 0.05:
            row.append("1")
    lines = [",".join(header)] + [",".join(r) for r in rows]
    for _ in range(int(rng.integers(0, 3))):
        lines.insert(int(rng.integers(len(lines) + 1)), ["", "  ", "\t", ","][rng.integers(4)])
    end = ["\n", "\r\n", "\r"][rng.integers(3)]
    text = end.join(lines) + (end if rng.random() < 0.8 else "")
    raw = text.encode("utf-8")
    if rng.random() < 0.1:
        raw = b"\xef\xbb\xbf" + raw
    elif rng.random() < 0.05:  # not UTF-8 (never after a BOM: see the test above)
        at = int(rng.integers(len(raw) + 1))
        raw = raw[:at] + b"\xff" + raw[at:]
    kw: dict = {}
    if rng.random() < 0.15:
        kw["target"] = ["c0", "zz", ["c1", "c0"], ["c1", "c1"], []][rng.integers(5)]
    return raw, kw


def test_random_files_load_as_the_old_parser_loads_them(tmp_path):
    rng = np.random.default_rng(12345)
    seen = {"ok": 0, "error": 0, "fast": 0}
    for i in range(1500):
        raw, kw = random_file(rng)
        path = write(tmp_path, raw, f"f{i}.csv")
        got = outcome(lambda: load_csv(path, **kw))
        assert got == oracle(path, **kw), (raw, kw)
        assert got == outcome(lambda: strict(path, **kw)), (raw, kw)
        seen["ok" if got[0] == "ok" else "error"] += 1
        seen["fast"] += fast(path, **kw) is not None
    assert min(seen.values()) > 100, seen  # the mix covers both outcomes and both paths


# --- a label column ----------------------------------------------------------------------


LABEL_FILES = {
    "last": "a,b,kind\n1,2,cat\n3,4,dog\n5,6, cat \n7,8,emu\n",
    "middle": "a,kind,b\n1,cat,2\n3,dog,4\n5,cat,6\n",
    "integers": "a,b,k\n1,2,10\n3,4,-1\n5,6,2\n7,8,+3\n",
    "unicode": "a,b,k\n1,2,\u03a9mega\n3,4,\xe9t\xe9\n",
    "numbers-as-text": "a,b,k\n1,2,nan\n3,4,1e999\n5,6,0.5\n",
    "crlf-bom-blank": "\ufeffa,b,k\r\n\r\n1,2,x\r\n3,4,y\r\n",
}


@pytest.mark.parametrize("raw", LABEL_FILES.values(), ids=LABEL_FILES.keys())
def test_labels_fast_path_equals_strict_parser(tmp_path, raw):
    path = write(tmp_path, raw)
    target = "kind" if "kind" in raw else None
    d = fast(path, target=target, labels=True)
    assert d is not None
    same(d, strict(path, target=target, labels=True))
    same(d, load_csv(path, target=target, labels=True))


def test_quoted_labels_go_to_the_strict_parser(tmp_path):
    path = write(tmp_path, 'a,b,k\n1,2,"x"\n3,4,"y, z"\n5,6,x\n')
    assert fast(path, labels=True) is None
    d = load_csv(path, labels=True)
    assert d.classes == ("x", "y, z")
    np.testing.assert_array_equal(d.y, [[1, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6]])


@pytest.mark.parametrize("text", ["", "a", "a\n", "a\r\nb", "a\rb\r\r\nc\n\n", "\r\n\r\n", '"x\r\ny"\rz',
                                  "\n\r", "a\x0bb\x0cc\x1cd\x85e\u2028f\n"])
def test_strict_parser_lines_are_stringio_lines(text):
    import io

    from nnbench.datasets.csv_reader import _line_count, _lines

    assert list(_lines(text)) == list(io.StringIO(text, newline=""))
    assert _line_count(text) >= len(list(_lines(text)))
