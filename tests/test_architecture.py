"""ARCHITECTURE.md is true to the code: what it names exists, and it names every module."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")


def test_every_path_it_names_exists():
    paths = set(re.findall(r"`(nnbench/[\w/.]+|plugins/[\w/.]+|pyproject\.toml)`", TEXT))
    # a bare module name in a layer's row is relative to that row's folder
    for row in re.findall(r"^\| \w[^|]* \| `(nnbench/\w+/)`[^|]* \| (.*) \|$", TEXT, flags=re.MULTILINE):
        folder, what = row
        paths |= {folder + name for name in re.findall(r"`([\w]+\.py|data/)`", what)}
    assert len(paths) > 40
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, missing


def test_every_dotted_name_it_names_imports():
    names = set(re.findall(r"`(nnbench(?:\.\w+)+)`", TEXT))
    assert {"nnbench.trainer", "nnbench.testing", "nnbench.adapter"} <= names
    for name in sorted(names):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            module, _, attr = name.rpartition(".")
            assert hasattr(importlib.import_module(module), attr), name


def test_it_names_every_module_of_the_package():
    modules = [p.relative_to(ROOT) for p in (ROOT / "nnbench").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py") and "data" not in p.parts]
    unnamed = [str(m) for m in modules if str(m) not in TEXT and f"`{m.name}`" not in TEXT]
    assert not unnamed, unnamed
