"""One-off script that wrote ``diabetes.csv`` in this folder; nnbench never runs it.

It reads scikit-learn's raw copy of the diabetes data of Efron, Hastie, Johnstone and
Tibshirani, "Least Angle Regression", Annals of Statistics 32(2), 2004
(``sklearn/datasets/data/diabetes_data_raw.csv.gz``: 442 rows of 10 space-separated,
unscaled baseline values; ``diabetes_target.csv.gz``: the disease-progression score one
year after baseline) and writes them as one comma-separated file with the header of the
original Stanford file: ``AGE,SEX,BMI,BP,S1,S2,S3,S4,S5,S6,Y``. Each number is written in
its shortest form (``101.0`` -> ``101``) and checked to read back to the same float.

Run once, with scikit-learn installed: ``python nnbench/datasets/data/make_diabetes.py``.
"""

from __future__ import annotations

import gzip
from importlib.resources import files
from pathlib import Path

HEADER = ("AGE", "SEX", "BMI", "BP", "S1", "S2", "S3", "S4", "S5", "S6", "Y")


def _shortest(text: str) -> str:
    """Return the shortest decimal spelling of the number ``text`` (``"101.0"`` -> ``"101"``)."""
    value = float(text)
    out = f"{value:.12g}"
    if float(out) != value:
        raise ValueError(f"{text!r} does not survive formatting as {out!r}")
    return out


def main() -> None:
    """Write ``diabetes.csv`` next to this script from scikit-learn's raw files."""
    raw = files("sklearn.datasets").joinpath("data")
    data = gzip.decompress(raw.joinpath("diabetes_data_raw.csv.gz").read_bytes()).decode()
    target = gzip.decompress(raw.joinpath("diabetes_target.csv.gz").read_bytes()).decode()
    rows = [line.split() for line in data.splitlines() if line.strip()]
    ys = [line.strip() for line in target.splitlines() if line.strip()]
    if len(rows) != 442 or len(ys) != 442 or any(len(r) != 10 for r in rows):
        raise ValueError("expected 442 rows of 10 features and 442 targets")
    lines = [",".join(HEADER)]
    lines += [",".join(_shortest(v) for v in row + [y]) for row, y in zip(rows, ys)]
    out = Path(__file__).with_name("diabetes.csv")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {out}: {len(lines) - 1} rows")


if __name__ == "__main__":
    main()
