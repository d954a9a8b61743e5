"""panva/oidc-provider 9.13.3 (OpenID-certified OP) on 127.0.0.1, from tests/peers/oidc-provider.

Fixtures:

* ``oidc_provider`` (session): one OP for the whole run.
* ``restartable_oidc_provider`` (function): a private OP whose :meth:`OIDCProviderPeer.restart`
  stops it and starts it again on the same port (same issuer) with a new signing key — the
  key-rotation case. Its in-memory state (sessions, codes, tokens) is lost on restart.
* ``oidc_provider_variant`` (session): ``variant(name, issuer_path="/oidc/2", extra_claims={...})``
  starts (once per name) an OP mounted under a provider-shaped issuer path (OneLogin ``/oidc/2``,
  Entra ``/<tenant>/v2.0``, PingOne ``/<env>/as``, Keycloak ``/realms/<realm>``…) whose users carry
  extra claims (e.g. Entra ``tid``/``oid``), so provider connectors run unmodified against it.

Users (``server.mjs``): alice/alice-pass, bob/bob-pass, carol/carol-pass (+TOTP). Clients:
``test-client``/``test-secret`` (client_secret_basic), ``post-client``/``post-secret``
(client_secret_post), ``code-only``/``code-secret`` (no password grant), ``csjwt-client`` /
:data:`CSJWT_SECRET` (client_secret_jwt) and ``pkjwt-client`` (private_key_jwt with the
session's :data:`PKJWT_KEYS`: one RS256, one ES256 and one PS256-tagged RSA key). All are native apps, so
any loopback port matches the registered ``http://127.0.0.1:8765/callback``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, RSAKey

from ._proc import Peer, free_port, http_ready, require_binary, start_peer

OP_DIR = Path(__file__).parent / "oidc-provider"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
CSJWT_CLIENT_ID, CSJWT_SECRET = "csjwt-client", "csjwt-secret-0123456789-0123456789-abcdef"
PKJWT_CLIENT_ID = "pkjwt-client"
#: Private keys of ``pkjwt-client`` by ``kid`` (the OP gets their public halves).
PKJWT_KEYS: dict[str, RSAKey | ECKey] = {
    "pk-rs256": RSAKey.generate_key(2048, private=True),
    "pk-es256": ECKey.generate_key("P-256", private=True),
    "pk-ps256": RSAKey.generate_key(2048, private=True),
}
_PKJWT_ALGS = {"pk-rs256": "RS256", "pk-es256": "ES256", "pk-ps256": "PS256"}
USERS = {"alice": "alice-pass", "bob": "bob-pass", "carol": "carol-pass"}
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def signing_jwks(kid: str) -> str:
    """A private JWKS with one fresh RS256 signing key, as ``OP_JWKS_JSON`` wants it."""
    key = RSAKey.generate_key(2048, private=True)
    jwk = {**key.as_dict(private=True), "kid": kid, "alg": "RS256", "use": "sig"}
    return json.dumps({"keys": [jwk]})


def pkjwt_public_jwks() -> str:
    """``OP_PKJWT_JWKS``: the public halves of :data:`PKJWT_KEYS`."""
    keys = [
        {**key.as_dict(private=False), "kid": kid, "alg": _PKJWT_ALGS[kid], "use": "sig"}
        for kid, key in PKJWT_KEYS.items()
    ]
    return json.dumps({"keys": keys})


@dataclass
class OIDCProviderPeer:
    """A running oidc-provider and how to reach it."""

    port: int
    log_dir: Path
    kid: str
    peer: Peer | None = None
    name: str = "oidc-provider"
    restarts: int = field(default=0)
    issuer_path: str = ""
    extra_claims: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    #: More environment for server.mjs, e.g. ``OP_POST_CLIENT_ID`` / ``OP_POST_CLIENT_SECRET``.
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.base_url + self.issuer_path

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> None:
        node = require_binary("node")
        if not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.fail(
                "oidc-provider is not installed: run `bash tests/peers/install.sh` (nox -s tests does)"
            )
        self.peer = start_peer(
            f"{self.name}-{self.restarts}",
            [node, "server.mjs"],
            log_dir=self.log_dir,
            ready=http_ready(self.discovery_url),
            port=self.port,
            cwd=OP_DIR,
            env={
                "OP_PORT": str(self.port),
                "OP_JWKS_JSON": signing_jwks(self.kid),
                "OP_ISSUER_PATH": self.issuer_path,
                "OP_EXTRA_CLAIMS": json.dumps(self.extra_claims),
                "OP_PKJWT_JWKS": pkjwt_public_jwks(),
                **self.env,
            },
        )

    def stop(self) -> None:
        if self.peer is not None:
            self.peer.stop()
            self.peer = None

    def restart(self, *, kid: str) -> None:
        """Stop, then start on the same port with a new signing key ``kid``."""
        self.stop()
        self.kid = kid
        self.restarts += 1
        self.start()


@pytest.fixture(scope="session")
def oidc_provider(peer_logs: Path) -> Iterator[OIDCProviderPeer]:
    """The session's oidc-provider."""
    op = OIDCProviderPeer(port=free_port(), log_dir=peer_logs, kid="session-key-1")
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
def restartable_oidc_provider(peer_logs: Path) -> Iterator[OIDCProviderPeer]:
    """A private oidc-provider for one test, restartable with a new key."""
    op = OIDCProviderPeer(port=free_port(), log_dir=peer_logs, kid="rotating-key-1", name="oidc-provider-rot")
    op.start()
    try:
        yield op
    finally:
        op.stop()


OPVariant = Callable[..., OIDCProviderPeer]


@pytest.fixture(scope="session")
def oidc_provider_variant(peer_logs: Path) -> Iterator[OPVariant]:
    """Start OPs under provider-shaped issuer paths, one per ``name``, for the whole session."""
    started: dict[str, OIDCProviderPeer] = {}

    def variant(
        name: str, *, issuer_path: str, extra_claims: Mapping[str, Mapping[str, object]] | None = None
    ) -> OIDCProviderPeer:
        if name not in started:
            op = OIDCProviderPeer(
                port=free_port(),
                log_dir=peer_logs,
                kid=f"{name}-key-1",
                name=f"oidc-provider-{name}",
                issuer_path=issuer_path,
                extra_claims=dict(extra_claims or {}),
            )
            op.start()
            started[name] = op
        op = started[name]
        assert op.issuer_path == issuer_path, f"variant {name!r} already runs with another issuer path"
        return op

    try:
        yield variant
    finally:
        for op in started.values():
            op.stop()
