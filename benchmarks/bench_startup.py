"""Start-up: the tutorial comparison as whole processes, nnbench against a plain scipy script.

Three commands, each a fresh Python process, timed in interleaved rounds (one of each per
round) and compared by their medians:

* ``script``: ``python benchmarks/tutorial_scipy.py``, the same 25 fits without nnbench
  (BFGS, L-BFGS-B, CG, Nelder-Mead, basinhopping x 5 seeds on the tutorial's 2-2-1 sigmoid
  network, at most 1000 evaluations each, one BLAS thread);
* ``serial``: ``nnbench run --problem tutorial --trainers ... --executor serial``;
* ``default``: the same with the default executor (worker processes).

``extra_info``: each command's median wall seconds and its median CPU seconds (user +
system of the process and its children), ``ratio_serial`` = serial / script and
``ratio_default`` = default / script (goals, issue 16: <= 1.3 and <= 2.5, the default at
most 0.5 s over serial), ``default_minus_serial_s``; the same three paired within each round
(``*_paired``: the median over the rounds of each round's ratio or difference; each command
runs first in a third of the rounds), the load average before and after,
numpy's SIMD level. Each command runs once first, untimed (bytecode written: ``_timing.PROCESS_ENV``).
With ``--benchmark-disable`` the script and the serial run run once,
untimed (about 5 s), and the test checks that the script does the same fits as nnbench: the same evaluations and best
costs for BFGS and L-BFGS-B, every fit within 1000 evaluations.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _timing import PROCESS_ENV

from nnbench.core.kernels import simd_level

HERE = Path(__file__).resolve().parent
TRAINERS = "BFGS,L-BFGS-B,CG,Nelder-Mead,basinhopping"
ROUNDS = 9


def _nnbench(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nnbench.cli", "run", "--problem", "tutorial", "--trainers", TRAINERS,
            "--seeds", "5", "--quiet", "--force", "--out", str(out), *extra]


def _commands(tmp: Path) -> dict[str, list[str]]:
    return {"script": [sys.executable, str(HERE / "tutorial_scipy.py")],
            "serial": _nnbench(tmp / "serial.jsonl", "--executor", "serial"),
            "default": _nnbench(tmp / "default.jsonl")}




def _run(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process tree, stdout) of one run of ``cmd``."""
    before = os.times()
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=PROCESS_ENV)
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.stdout


def test_tutorial_whole_process(benchmark, tmp_path):
    cmds = _commands(tmp_path)
    if benchmark.disabled:
        outputs = {name: _run(cmds[name])[2] for name in ("script", "serial")}
        fits = re.findall(r"^(\S+)\s+seed (\d)\s+cost (\S+)\s+evals\s+(\d+)", outputs["script"], re.MULTILINE)
        assert len(fits) == 25 and all(int(n) <= 1000 for *_, n in fits)
        lines = (tmp_path / "serial.jsonl").read_text().splitlines()[1:]
        recs = {(r["trainer"], r["seed"]): r for r in map(json.loads, lines)}
        assert len(recs) == 25
        for method, seed, cost, evals in fits:
            rec = recs[(method, int(seed))]
            assert rec["evaluations"] <= 1000
            if method in ("BFGS", "L-BFGS-B"):  # deterministic, from the same x0: the same fit
                assert rec["evaluations"] == int(evals)
                assert rec["best_cost"] == pytest.approx(float(cost), rel=1e-3, abs=1e-12)
        benchmark.pedantic(lambda: None)
        return
    for cmd in cmds.values():  # warm: bytecode written, files in the page cache
        _run(cmd)
    load_before = os.getloadavg()[0]
    wall: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    names = list(cmds)
    for k in range(ROUNDS):
        for name in names[k % 3:] + names[:k % 3]:  # each command first in a third of the rounds
            w, c, _ = _run(cmds[name])
            wall[name].append(w)
            cpu[name].append(c)
    med = {name: statistics.median(v) for name, v in wall.items()}
    info = benchmark.extra_info
    for name in cmds:
        info[f"{name}_s"] = round(med[name], 3)
        info[f"{name}_cpu_s"] = round(statistics.median(cpu[name]), 3)
    info["ratio_serial"] = round(med["serial"] / med["script"], 3)
    info["ratio_default"] = round(med["default"] / med["script"], 3)
    info["default_minus_serial_s"] = round(med["default"] - med["serial"], 3)
    # the same, paired within each round (the three ran within about 3 s of each other), then the
    # median over the rounds: steadier where the machine's speed drifts from round to round
    rounds = list(zip(wall["script"], wall["serial"], wall["default"]))
    info["ratio_serial_paired"] = round(statistics.median(b / a for a, b, _ in rounds), 3)
    info["ratio_default_paired"] = round(statistics.median(c / a for a, _, c in rounds), 3)
    info["default_minus_serial_paired_s"] = round(statistics.median(c - b for _, b, c in rounds), 3)
    info["load_before"], info["load_after"] = round(load_before, 2), round(os.getloadavg()[0], 2)
    info["simd"] = simd_level()
    benchmark.pedantic(lambda: _run(cmds["script"]), rounds=1)
