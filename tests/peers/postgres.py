"""PostgreSQL peer: a throwaway server on 127.0.0.1 for the JIT store tests and the benchmark.

``initdb`` runs into a fresh temporary directory and ``postgres`` listens on a free loopback port
with trust authentication (nothing else can reach it). PostgreSQL refuses to run as root, so when
the suite runs as root (CI containers) both run as an unprivileged user — ``postgres`` when the
Debian package created it, else ``nobody`` — through ``setpriv`` (util-linux; ``runuser`` as a
fallback), and the data directory is handed to that user. Binaries are found on ``PATH`` or under
``/usr/lib/postgresql/<version>/bin`` (Debian does not put them on ``PATH``).

Fixtures: ``postgres_server`` (session) and ``postgres_url`` (a fresh, empty database per test,
as an SQLAlchemy ``postgresql+asyncpg://`` URL).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._proc import Peer, free_port, require_binary, start_peer

SUPERUSER = "idpbridge"
_db_counter = itertools.count(1)


def pg_bin(name: str) -> str:
    """Path of a PostgreSQL server/client binary, newest Debian version first; fail if missing."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> float:
        try:
            return float(Path(path).parts[-3])
        except ValueError:
            return 0.0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    return require_binary(name, *candidates)


def _run_as() -> tuple[list[str], int | None, int | None]:
    """Command prefix that drops root to an unprivileged user, and that user's uid/gid."""
    if os.geteuid() != 0:
        return [], None, None
    for user in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pw = pwd.getpwnam(user)
            break
    else:  # pragma: no cover - every Debian image has nobody
        pytest.fail("running as root and no unprivileged user (postgres/nobody) to run PostgreSQL as")
    setpriv = shutil.which("setpriv")
    if setpriv:
        prefix = [setpriv, f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", "--"]
    else:
        prefix = [require_binary("runuser"), "-u", pw.pw_name, "--"]
    return prefix, pw.pw_uid, pw.pw_gid


def _pg_isready(port: int) -> Callable[[], bool]:
    isready = pg_bin("pg_isready")

    def probe() -> bool:
        cmd = [isready, "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, "-d", "postgres"]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, check=False, timeout=5).returncode == 0

    return probe


@dataclass
class PostgresServer:
    """A running throwaway PostgreSQL server."""

    peer: Peer
    port: int
    root: Path

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy async URL of ``database`` on this server."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        cmd = [pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name]
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"createdb {name} failed: {done.stderr.strip()}")
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: no waiting for idle clients), then remove the data directory."""
        if self.peer.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.peer.proc.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.peer.proc.wait(timeout=15)
        self.peer.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(log_dir: Path) -> PostgresServer:
    """initdb + start a server on a free loopback port; ``pytest.fail`` with the log if it cannot."""
    prefix, uid, gid = _run_as()
    root = Path(tempfile.mkdtemp(prefix="idpbridge-pg-"))
    data = root / "data"
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
    log_dir.mkdir(parents=True, exist_ok=True)
    init_log = log_dir / "initdb.log"
    with open(init_log, "ab") as log:
        cmd = [
            *prefix,
            pg_bin("initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
        rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, check=False)
    if rc.returncode != 0:
        tail = "\n".join(init_log.read_text(errors="replace").splitlines()[-30:])
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed with {rc.returncode}:\n{tail}")
    port = free_port()
    cmd = [
        *prefix,
        pg_bin("postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(root),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "max_connections=300",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
    ]
    try:
        peer = start_peer("postgres", cmd, log_dir=log_dir, ready=_pg_isready(port), port=port, timeout=60)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return PostgresServer(peer=peer, port=port, root=root)


@contextlib.contextmanager
def running_postgres(log_dir: Path) -> Iterator[PostgresServer]:
    """A server for the duration of the block (used by bench/bench_jit.py)."""
    server = start_postgres(log_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server(peer_logs: Path) -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session."""
    with running_postgres(peer_logs / "postgres") as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database for one test, as an SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return postgres_server.create_database(f"t{os.getpid()}_{next(_db_counter)}")
