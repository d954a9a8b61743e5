"""Start-up cost: ``import idpbridge`` and ``idpbridge connectors --json`` against ``python -c pass``.

Each command runs as a fresh interpreter (the venv's Python, no bytecode writes), interleaved
(pass, import, connectors, pass, …) so machine load hits all three alike; the figure per command is
the median wall time of ``--runs`` runs, reported absolute and as the excess over ``python -c pass``
in the same run. Timings are never asserted; what is imported is checked in
tests/core/test_import_cost.py.

    python bench/bench_import.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import idpbridge'": [sys.executable, "-c", "import idpbridge"],
    "idpbridge connectors --json": [sys.executable, "-m", "idpbridge", "connectors", "--json"],
}
TARGETS = {"python -c 'import idpbridge'": 0.15, "idpbridge connectors --json": 0.25}


def main(runs: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for argv in COMMANDS.values():  # warm the OS page cache and the bytecode caches once
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # noqa: S603
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # noqa: S603
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) for name, values in times.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    medians = main(args.runs)
    floor = medians["python -c pass"]
    print(f"{'python -c pass':32s} {floor * 1e3:7.1f} ms")
    for name, target in TARGETS.items():
        value = medians[name]
        print(
            f"{name:32s} {value * 1e3:7.1f} ms absolute, {(value - floor) * 1e3:7.1f} ms over `pass` "
            f"(target <= {target * 1e3:.0f} ms)"
        )
