"""The bound behind ``authenticate(ExternalToken)``'s target: its steps inlined, nothing around them.

Not a benchmark of anything users call (``nox -s bench`` does not run it): it answers "how fast
could the public path be if routing, the deadline, the metadata lookup, the claim merge and the
hooks cost nothing?". One function does, in order, what a warm ``authenticate(ExternalToken)``
does on the generic ``oidc`` connector — strict compact parse, algorithm and ``typ`` checks, the
cached key, the RSA verification, strict JSON, every claim check, an unrolled claim map and
``Identity``, the sealed ``TokenSet`` and the ``Authenticated`` outcome — with the connector's own
metadata, policy and validator state. It is timed interleaved with the raw RSA verify and with
``connector.authenticate()`` (``bench/README.md``, "Why authenticate(ExternalToken) stays below
0.5x").

    python bench/bound_external_token.py [--n 20000] [--repeat 5]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from bench_idtoken import arguments, interleaved, make_token, mock_op, token_connector

from idpbridge import Authenticated, ClaimSource, ExternalToken, Identity, TokenSet
from idpbridge.identity import str_list
from idpbridge.methods import Method
from idpbridge.oidc import _jws, idtoken


def _unrolled_identity() -> Callable[[dict[str, Any], str, str], Identity]:
    """The default claim map written out by hand for the generic connector."""
    setters = {name: vars(Identity)[name].__set__ for name in Identity.__slots__}
    new, utc, from_ts = object.__new__, dt.UTC, dt.datetime.fromtimestamp
    source = ClaimSource.EXTERNAL_TOKEN

    def text(value: Any) -> str | None:
        return value if type(value) is str and value.strip() else None

    def flag(value: Any) -> bool | None:
        return value if type(value) is bool else None

    def items(value: Any) -> tuple[str, ...]:
        return (str_list(value) or ()) if value is not None else ()

    def build(claims: dict[str, Any], issuer: str, subject: str) -> Identity:
        get, s = claims.get, setters
        self = new(Identity)
        s["provider"](self, "oidc")
        s["connector"](self, "oidc")
        s["issuer"](self, issuer)
        s["subject"](self, subject)
        s["email"](self, text(get("email")))
        s["email_verified"](self, flag(get("email_verified")))
        s["phone_number"](self, text(get("phone_number")))
        s["phone_number_verified"](self, flag(get("phone_number_verified")))
        s["username"](self, text(get("preferred_username")))
        s["name"](self, text(get("name")))
        s["given_name"](self, text(get("given_name")))
        s["family_name"](self, text(get("family_name")))
        s["groups"](self, items(get("groups")))
        s["roles"](self, items(get("roles")))
        s["tenant"](self, None)
        s["amr"](self, items(get("amr")))
        when = get("auth_time")
        s["auth_time"](self, from_ts(when, utc) if type(when) is int and 0 < when < 253402300799 else None)
        s["claims"](self, MappingProxyType(claims))
        s["sources"](self, MappingProxyType(dict.fromkeys(claims, source)))
        return self

    return build


async def main(n: int, repeat: int) -> dict[str, float]:
    key, transport = mock_op()
    connector = token_connector(transport)
    token = make_token(key, nonce=False)
    request = ExternalToken(token)
    assert isinstance(await connector.authenticate(request), Authenticated)  # warm: discovery, keys
    engine = connector.engine
    metadata = engine.cached_metadata()
    assert metadata is not None
    policy = engine.token_policy(metadata, audience=None, external=True)
    validator = engine.validator
    identity = _unrolled_identity()

    head, payload, sig_b64 = token.split(".")
    signing_input, signature = f"{head}.{payload}".encode(), _jws.b64url(sig_b64, "signature")
    public, pkcs1, sha256 = key.public_key, _jws._PKCS1, _jws._RS_HASHES["RS256"]

    def raw_verify() -> None:
        public.verify(signature, signing_input, pkcs1, sha256)

    async def inlined() -> None:
        value = request.token.get_secret_value()
        header, _, payload_segment, signed, sig = _jws.parse_compact(
            value, policy.max_size, validator._headers
        )
        alg = header["alg"]
        idtoken._check_algorithm(alg, policy)
        idtoken._check_type(header, policy)
        jwk = validator.jwks.cached_key(metadata.jwks_uri or "", kid=header.get("kid"), alg=alg)
        _jws.verify_signature(signed, sig, alg, jwk, key_checked=True)
        claims = _jws.json_segment(_jws.b64url(payload_segment, "payload"), "payload")
        idtoken.validate_claims(header, claims, policy, now=time.time(), ignore_nonce=True)
        Authenticated(
            identity=identity(claims, claims["iss"], claims["sub"]),
            tokens=TokenSet._sealed(id_token=request.token),
            method=Method.TOKEN,
        )

    async def public_path() -> None:
        await connector.authenticate(request)

    sides = {"raw": raw_verify, "inlined": inlined, "authenticate": public_path}
    rates = await interleaved(sides, n, repeat)
    await connector.aclose()
    return rates


if __name__ == "__main__":
    args = arguments(__doc__)
    r = asyncio.run(main(args.n, args.repeat))
    raw = r["raw"]
    print(f"raw cryptography RS256 verify : {raw:>9.0f} /s")
    print(f"inlined steps, nothing around : {r['inlined']:>9.0f} /s  ({r['inlined'] / raw:.3f}x raw)")
    print(
        f"connector.authenticate()      : {r['authenticate']:>9.0f} /s  ({r['authenticate'] / raw:.3f}x raw)"
    )
