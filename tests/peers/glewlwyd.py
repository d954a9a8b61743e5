"""glewlwyd 2.7 (Debian package ``glewlwyd``) as a second real OpenID Provider with a TOTP scheme, on
127.0.0.1.

The session fixture ``glewlwyd`` initializes a fresh SQLite database in a temporary directory from
the package's ``init.sqlite3.sql.gz``, starts ``glewlwyd --config-file=…`` (tests/peers/glewlwyd/
glewlwyd.conf) on a free loopback port and provisions it through the admin API
(tests/peers/glewlwyd/provision.py: schemes, scopes, OIDC plugin, ``test-client``, users). Anything
missing fails the session, naming ``bash tests/peers/install.sh``. See shared/reference/
local-peers.md §4.

:func:`rest_login` plays the part of glewlwyd's login page with httpx: it takes the authorization
URL an RP built and signs in through the REST login API (password scheme, then the OTP scheme),
grants the requested scopes and returns the authorization response, if glewlwyd issues one. TOTP users are
handed out once per session by :meth:`GlewlwydPeer.totp_user`: glewlwyd accepts a user's TOTP code
at most once per 30 s step, so each successful TOTP login needs a user of its own.
"""

from __future__ import annotations

import gzip
import importlib.util
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ._proc import Peer, free_port, http_ready, require_binary, start_peer

HERE = Path(__file__).parent / "glewlwyd"
INIT_SQL = Path("/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz")


def _load_provisioning() -> ModuleType:
    """tests/peers/glewlwyd/provision.py (a directory of config files, not a package)."""
    spec = importlib.util.spec_from_file_location("tests.peers._glewlwyd_provision", HERE / "provision.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


provisioning = _load_provisioning()
CLIENT_ID: str = provisioning.CLIENT_ID
CLIENT_SECRET: str = provisioning.CLIENT_SECRET
REDIRECT_URI: str = provisioning.REDIRECT_URI
USERS: dict[str, str] = {**provisioning.USERS, **provisioning.TOTP_USERS}
#: TOTP scheme -> the scope that requires it (``otp``: ±1 step; ``otp-doc``: the documented setting).
SCHEMES: dict[str, str] = provisioning.SCHEMES


@dataclass(frozen=True)
class TOTPUser:
    """A user enrolled in both TOTP schemes; ``secret`` is base32."""

    username: str
    password: str
    secret: str

    def __repr__(self) -> str:
        return f"TOTPUser({self.username!r})"


@dataclass
class GlewlwydPeer:
    """A running, provisioned glewlwyd."""

    peer: Peer
    port: int
    issuer: str
    totp_secrets: dict[str, str]
    _handed_out: set[str] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def totp_user(self) -> TOTPUser:
        """A TOTP user no test of this session has used yet (fails when the pool is exhausted)."""
        for name, secret in self.totp_secrets.items():
            if name not in self._handed_out:
                self._handed_out.add(name)
                return TOTPUser(name, USERS[name], secret)
        pytest.fail("all provisioned glewlwyd TOTP users are used: add more in provision.py")


@dataclass(frozen=True)
class Login:
    """What :func:`rest_login` saw: the login steps glewlwyd refused (``"password"``, or the TOTP
    scheme's name) and the authorization response — ``None`` when glewlwyd issued no code and
    sent the browser back to its login page (``landing`` is where it was sent)."""

    refused: tuple[str, ...]
    callback: dict[str, list[str]] | None
    landing: str

    def params(self) -> dict[str, list[str]]:
        """The authorization response; an ``AssertionError`` when a step was refused or no code came."""
        assert not self.refused, f"glewlwyd refused the {', '.join(self.refused)} step"
        assert self.callback is not None, (
            f"no authorization code: glewlwyd sent the browser to {self.landing}"
        )
        return self.callback


async def rest_login(
    auth_url: str,
    username: str,
    password: str,
    *,
    otp: str | None = None,
    scheme: str = "otp",
    grant: bool = True,
    redirect_prefix: str = REDIRECT_URI,
) -> Login:
    """Sign in at glewlwyd for the authorization request ``auth_url``, as its login page would.

    ``POST /api/auth/`` with the password, then (with ``otp``) with the code for TOTP scheme
    ``scheme``; ``PUT /api/auth/grant/{client_id}`` with the requested scopes (unless ``grant`` is
    false: the user never consented); then the authorization URL again with ``g_continue``, as the
    login page does. A refused password ends the login; a refused code does not, so the caller
    sees whether glewlwyd would issue a code anyway.
    """
    url = httpx.URL(auth_url)
    api = f"{url.scheme}://{url.netloc.decode()}/api"
    refused: list[str] = []
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        first = await browser.get(auth_url)  # no session yet: glewlwyd sends the browser to login.html
        assert first.status_code == 302, first.status_code
        assert urlsplit(first.headers["location"]).path == "/login.html", "expected the login page"
        r = await browser.post(f"{api}/auth/", json={"username": username, "password": password})
        if r.status_code != 200:
            return Login(("password",), None, "(not asked)")
        if otp is not None:
            value = {"scheme_type": "otp", "scheme_name": scheme, "value": {"value": otp}}
            r = await browser.post(f"{api}/auth/", json={"username": username, **value})
            if r.status_code != 200:
                refused.append(scheme)
        if grant:
            client, scope = url.params["client_id"], url.params["scope"]
            r = await browser.put(f"{api}/auth/grant/{client}", json={"scope": scope})
            assert r.status_code == 200, f"grant: HTTP {r.status_code}"
        r = await browser.get(url.copy_add_param("g_continue", ""))
        location = r.headers.get("location", "")
        if r.status_code == 302 and location.startswith(redirect_prefix):
            callback = parse_qs(urlsplit(location).query, keep_blank_values=True)
            return Login(tuple(refused), callback, redirect_prefix)
        return Login(tuple(refused), None, f"HTTP {r.status_code} {urlsplit(location).path}")


def init_database(path: Path) -> None:
    """A fresh glewlwyd SQLite database from the package's init script (admin/password, scope g_admin)."""
    script = gzip.decompress(INIT_SQL.read_bytes()).decode()
    with sqlite3.connect(path) as db:
        db.executescript(script)
        db.execute("PRAGMA journal_mode=WAL")  # persistent; fewer syncs while provisioning
    db.close()


@pytest.fixture(scope="session")
def glewlwyd(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GlewlwydPeer]:
    """The session's glewlwyd, provisioned (see the module docstring)."""
    binary = require_binary("glewlwyd")
    if not INIT_SQL.is_file() or not Path("/usr/lib/glewlwyd/plugin").is_dir():
        pytest.fail(
            f"glewlwyd is not (fully) installed: run `bash tests/peers/install.sh` (needs {INIT_SQL})"
        )
    run = tmp_path_factory.mktemp("glewlwyd")
    port = free_port()
    init_database(run / "glewlwyd.db")
    conf = (HERE / "glewlwyd.conf").read_text()
    config = run / "glewlwyd.conf"
    config.write_text(conf.replace("@PORT@", str(port)).replace("@DATABASE@", str(run / "glewlwyd.db")))
    peer = start_peer(
        "glewlwyd",
        [binary, f"--config-file={config}"],
        log_dir=peer_logs,
        ready=http_ready(f"http://127.0.0.1:{port}/config"),
        port=port,
        cwd=run,
    )
    try:
        try:
            made = provisioning.provision(peer.base_url)
        except (provisioning.ProvisioningError, httpx.HTTPError) as exc:
            pytest.fail(f"provisioning glewlwyd failed: {exc}\n{peer.log_tail()}")
        yield GlewlwydPeer(peer=peer, port=port, issuer=made.issuer, totp_secrets=made.totp_secrets)
    finally:
        peer.stop()
        shutil.rmtree(run, ignore_errors=True)
