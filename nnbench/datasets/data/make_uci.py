"""One-off script that wrote ``iris.csv``, ``wine.csv``, ``breast_cancer.csv`` and ``digits.csv``
in this folder; nnbench never runs it.

It reads scikit-learn's copies of four UCI Machine Learning Repository datasets
(``sklearn/datasets/data/iris.csv``, ``wine_data.csv``, ``breast_cancer.csv`` and
``digits.csv.gz``: a first line ``rows,features,class names...``, then one row of numbers per
sample whose last cell is the class's 0-based code) and writes each as one comma-separated
file with a header of column names and, as its last column, the class label as text: the
class name where the source names the classes (iris: ``setosa``, ``versicolor``,
``virginica``; breast cancer: ``malignant``, ``benign``), else the source's own class code
(wine: the UCI file's cultivars ``1``, ``2``, ``3``; digits: the digit ``0`` .. ``9``). Each
number is written in its shortest form (``127.0`` -> ``127``; the digits are the integers
0-16) and checked to read back to the same float, and each file is checked against the
shape and class counts its UCI page gives (``README.md`` in this folder cites them).

Run once, with scikit-learn installed: ``python nnbench/datasets/data/make_uci.py``.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from make_diabetes import _shortest  # type: ignore[import-not-found]  # the script beside this one (run from here)

_BREAST_CANCER_MEASURES = ("radius", "texture", "perimeter", "area", "smoothness", "compactness",
                           "concavity", "concave_points", "symmetry", "fractal_dimension")


@dataclass(frozen=True)
class Conversion:
    """How one of scikit-learn's files becomes one of ours.

    :param source: the file under ``sklearn/datasets/data/``.
    :param target: the file written next to this script.
    :param features: the feature column names, in the source's order.
    :param label: the name of the class-label column (the last one).
    :param classes: the label written for each 0-based class code.
    :param counts: the number of rows of each class, as the UCI page gives them.
    """

    source: str
    target: str
    features: tuple[str, ...]
    label: str
    classes: tuple[str, ...]
    counts: tuple[int, ...]


CONVERSIONS = (
    Conversion("iris.csv", "iris.csv", ("sepal_length", "sepal_width", "petal_length", "petal_width"),
               "species", ("setosa", "versicolor", "virginica"), (50, 50, 50)),
    Conversion("wine_data.csv", "wine.csv",
               ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
                "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline"),
               "cultivar", ("1", "2", "3"), (59, 71, 48)),
    Conversion("breast_cancer.csv", "breast_cancer.csv",
               tuple(f"{m}_{kind}" for kind in ("mean", "se", "worst") for m in _BREAST_CANCER_MEASURES),
               "diagnosis", ("malignant", "benign"), (212, 357)),
    Conversion("digits.csv.gz", "digits.csv", tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
               "digit", tuple(str(d) for d in range(10)), (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)),
)


def _rows(text: str, conversion: Conversion) -> list[list[str]]:
    """Return the data rows of a scikit-learn file, checked against ``conversion``.

    Every file but ``digits.csv.gz`` starts with a line ``rows,features,class names...``.
    """
    lines = [line.split(",") for line in text.splitlines() if line.strip()]
    if not conversion.source.endswith(".gz"):
        first, lines = lines[0], lines[1:]
        if (int(first[0]), int(first[1])) != (len(lines), len(conversion.features)):
            raise ValueError(f"{conversion.source}: first line {first} does not match its rows")
    width = len(conversion.features) + 1
    if any(len(row) != width for row in lines):
        raise ValueError(f"{conversion.source}: a row without {width} cells")
    return lines


def convert(conversion: Conversion, raw: bytes) -> str:
    """Return the CSV text of ``conversion`` from the bytes of its scikit-learn file."""
    text = (gzip.decompress(raw) if conversion.source.endswith(".gz") else raw).decode()
    rows = _rows(text, conversion)
    labels = [conversion.classes[int(float(row[-1]))] for row in rows]
    counts = Counter(labels)
    if tuple(counts[c] for c in conversion.classes) != conversion.counts:
        raise ValueError(f"{conversion.source}: class counts {dict(counts)}, expected {conversion.counts}")
    out = [",".join((*conversion.features, conversion.label))]
    out += [",".join([*(_shortest(v) for v in row[:-1]), label]) for row, label in zip(rows, labels)]
    return "\n".join(out) + "\n"


def main(names: Sequence[str] = ()) -> None:
    """Write the CSV file of every conversion (or of those whose target is in ``names``)."""
    raw = files("sklearn.datasets").joinpath("data")
    for conversion in CONVERSIONS:
        if names and conversion.target not in names:
            continue
        text = convert(conversion, raw.joinpath(conversion.source).read_bytes())
        out = Path(__file__).with_name(conversion.target)
        out.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {out}: {text.count(chr(10)) - 1} rows, {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
