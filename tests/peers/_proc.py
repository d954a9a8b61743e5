"""Start and stop a peer process for the test suite; fail loudly if it cannot come up.

Every peer gets its own log file and ``stdin=/dev/null`` (a server that inherits the test
runner's stdout can hang CI). A peer that does not become ready fails the test session with the
tail of its log; it never skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_ready(url: str) -> Callable[[], bool]:
    """Readiness probe: ``url`` answers any HTTP status."""

    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True
        except (OSError, urllib.error.URLError):
            return False

    return probe


def port_ready(port: int, host: str = "127.0.0.1") -> Callable[[], bool]:
    """Readiness probe: something accepts TCP connections on ``port``."""

    def probe() -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        return False

    return probe


def require_binary(name: str, *candidates: str) -> str:
    """Path of an executable, or fail (never skip) naming the install step."""
    for cand in (name, *candidates):
        found = shutil.which(cand) or (cand if os.path.isabs(cand) and os.access(cand, os.X_OK) else None)
        if found:
            return found
    pytest.fail(f"peer binary {name!r} not found: run `bash tests/peers/install.sh` (nox -s tests does)")


@dataclass
class Peer:
    """A running peer process."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start_peer(
    name: str,
    cmd: Sequence[str],
    *,
    log_dir: Path,
    ready: Callable[[], bool],
    port: int | None = None,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Peer:
    """Start ``cmd`` and wait until ``ready()``; ``pytest.fail`` with the log tail otherwise."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    full_env = {**os.environ, **(env or {})}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    peer = Peer(name=name, proc=proc, log_path=log_path, port=port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"peer {name} exited with {proc.returncode} during start:\n{peer.log_tail()}")
        if ready():
            return peer
        time.sleep(0.05)
    peer.stop()
    pytest.fail(f"peer {name} not ready after {timeout:.0f} s:\n{peer.log_tail()}")


@contextlib.contextmanager
def running(peer: Peer) -> Iterator[Peer]:
    """Stop ``peer`` when the block ends."""
    try:
        yield peer
    finally:
        peer.stop()
