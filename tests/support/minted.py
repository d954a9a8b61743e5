"""ID tokens minted at test time, and cassettes that carry them without storing them.

Committed cassettes never hold a signed token (tests/core/test_cassettes_scrubbed.py). A cassette
that needs one holds a placeholder (``__ID_TOKEN__``, ``__JWK__``, ``REDACTED-…``) and
:func:`replay` restores it at load time with a value minted for this run, through vcrpy's
``filter_sensitive_data`` (placeholder -> value on load, value -> placeholder on save).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import vcr
from joserfc import jws
from joserfc.jwk import RSAKey

from .cassettes import CASSETTES, cassette_vcr, recording

__all__ = ["ID_TOKEN", "JWK", "TestKey", "replay"]

#: Placeholders a cassette may contain.
ID_TOKEN = "__ID_TOKEN__"
JWK = "__JWK__"


class TestKey:
    """An RS256 signing key generated for this test session."""

    __test__ = False  # not a pytest class

    def __init__(self, kid: str = "cassette-key-1") -> None:
        self.kid = kid
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True
        )

    @property
    def public_jwk(self) -> str:
        """The public JWK as JSON text (what replaces ``__JWK__``)."""
        return json.dumps(self.key.as_dict(private=False))

    def mint(self, *, iss: str, aud: str, sub: str, lifetime: int = 300, **claims: Any) -> str:
        """A compact RS256 ID token; ``None`` values in ``claims`` are left out."""
        now = int(time.time())
        payload = {"iss": iss, "aud": aud, "sub": sub, "iat": now, "exp": now + lifetime, **claims}
        payload = {k: v for k, v in payload.items() if v is not None}
        return jws.serialize_compact(
            {"alg": "RS256", "kid": self.kid, "typ": "JWT"}, json.dumps(payload), self.key
        )


def replay(
    provider: str,
    scenario: str,
    *,
    values: Mapping[str, str] | None = None,
    match_on: Iterable[str] = ("method", "scheme", "host", "port", "path"),
    **kwargs: Any,
) -> Any:
    """``cassettes/<provider>/<scenario>.yaml`` (a context manager yielding the vcrpy cassette),
    with ``values`` put in for their placeholders.

    Replay runs without the shared scrubber: vcrpy applies it to every interaction it loads, which
    would turn the restored ID token back into ``REDACTED``. These cassettes are transcribed; when
    ``nox -s record`` re-records the provider, the scrubbing :func:`cassette_vcr` is used.
    """
    sensitive = dict(values or {})
    if recording(provider):
        recorder = cassette_vcr(provider, match_on=match_on, filter_sensitive_data=sensitive, **kwargs)
    else:
        recorder = vcr.VCR(
            cassette_library_dir=str(CASSETTES / provider),
            record_mode="none",
            match_on=list(match_on),
            filter_sensitive_data=sensitive,
            decode_compressed_response=True,
            **kwargs,
        )
    return recorder.use_cassette(f"{scenario}.yaml")
