"""Start-up cost: ``import idpbridge`` and ``idpbridge connectors --json`` against ``python -c pass``.

Each command runs as a fresh interpreter (the venv's Python, no bytecode writes), interleaved
(pass, import, connectors, pass, …) so machine load hits all three alike; the figure per command is
the median wall time of ``--runs`` runs, reported absolute and as the excess over ``python -c pass``
in the same run, plus the median CPU time (user + system) of the child process, which a loaded
machine inflates much less than wall time. Timings are never asserted; what is imported is checked in
tests/core/test_import_cost.py.

    python bench/bench_import.py [--runs 21] [--before-src DIR]

``--before-src`` adds the same two commands run against another source tree (``PYTHONPATH=DIR``,
e.g. ``git archive <commit> src | tar -x -C /tmp/before`` then ``--before-src /tmp/before/src``),
interleaved with the others, for a before/after comparison in one run.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(runs: int, before: str | None) -> tuple[dict[str, float], dict[str, float]]:
    env = {**os.environ}
    jobs = {name: (argv, env) for name, argv in COMMANDS.items()}
    if before is not None:
        old = {**env, "PYTHONPATH": before}
        jobs |= {f"before: {name}": (argv, old) for name, argv in COMMANDS.items() if name in TARGETS}
    for argv, e in jobs.values():  # warm the OS page cache and the bytecode caches once
        subprocess.run(argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # noqa: S603
    times: dict[str, list[float]] = {name: [] for name in jobs}
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, (argv, e) in jobs.items():
            c0, t0 = _child_cpu(), time.perf_counter()
            subprocess.run(argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # noqa: S603
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(_child_cpu() - c0)
    median = statistics.median
    return {n: median(v) for n, v in times.items()}, {n: median(v) for n, v in cpu.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--before-src", help="also time these commands with PYTHONPATH=BEFORE_SRC")
    args = parser.parse_args()
    wall, cpu = main(args.runs, args.before_src)
    floor, cpu_floor = wall["python -c pass"], cpu["python -c pass"]
    print(f"{'python -c pass':32s} {floor * 1e3:7.1f} ms wall, {cpu_floor * 1e3:6.1f} ms CPU")
    for name in wall:
        if name == "python -c pass":
            continue
        target = TARGETS[name.removeprefix("before: ")]
        print(
            f"{name:32s} {wall[name] * 1e3:7.1f} ms wall, {(wall[name] - floor) * 1e3:7.1f} ms over `pass`; "
            f"{cpu[name] * 1e3:6.1f} ms CPU, {(cpu[name] - cpu_floor) * 1e3:6.1f} ms over `pass` "
            f"(target <= {target * 1e3:.0f} ms)"
        )
