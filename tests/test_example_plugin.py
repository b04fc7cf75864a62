"""The example plugin package (examples/nnbench-example-plugin): passes the kit, and once
pip-installed into a fresh environment is found through its ``nnbench`` entry point."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from nnbench.testing import check_trainer

pytestmark = pytest.mark.entry_points  # plugins from entry points, as a user's run loads them

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nnbench-example-plugin"


@pytest.fixture
def example_module(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import nnbench_example

    return nnbench_example


def test_example_trainer_passes_the_conformance_kit(example_module):
    check_trainer(example_module.TRAINER)


@pytest.mark.slow
def test_example_plugin_installs_with_pip_and_is_found_through_its_entry_point(tmp_path):
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("nnbench-example-plugin")  # not installed here: the venv must find it
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # This interpreter may itself be a virtualenv, whose packages (nnbench, numpy, pip,
    # setuptools) --system-site-packages does not reach: add them as site directories.
    Path(purelib, "_nnbench_parent.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in site.getsitepackages()))
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NNBENCH_", "PYTHONPATH", "PIP_"))}
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                    "--no-cache-dir", "--disable-pip-version-check", "--quiet", str(source)],
                   check=True, env=env, cwd=tmp_path)
    script = (
        "import numpy as np\n"
        "from nnbench.plugins import Registry, get_plugin_manager, plugin_rows\n"
        "from nnbench.testing import tutorial_problem\n"
        "from nnbench.trainer import Budget\n"
        "registry = Registry(get_plugin_manager(strict=True))\n"
        "trainer = registry.trainer('RANDOM-SEARCH')\n"
        "objective, x0 = tutorial_problem(0)\n"
        "result = trainer.train(objective, x0, Budget(max_evals=300), np.random.default_rng(0))\n"
        "without = Registry(get_plugin_manager(strict=True, extra=['no:example']))\n"
        "print(trainer.plugin, trainer.family, len(registry.trainers()) - len(without.trainers()))\n"
        "print([row for row in plugin_rows(registry) if row['name'] == 'example'][0])\n"
        "print(result.fun < objective.fun(x0), trainer.train.__module__)\n"
    )
    out = subprocess.run([python, "-c", script], check=True, capture_output=True, text=True, env=env,
                         cwd=tmp_path).stdout.splitlines()
    assert out == [
        "example local-derivative-free 1",  # one trainer more, whichever other plugins are installed
        "{'name': 'example', 'version': '0.1.0', 'hooks': 'nnbench_trainers'}",
        "True nnbench_example",
    ]
    installed = subprocess.run([python, "-c", "import nnbench_example; print(nnbench_example.__file__)"],
                               check=True, capture_output=True, text=True, env=env, cwd=tmp_path).stdout
    assert installed.startswith(purelib)
