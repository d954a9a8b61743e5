"""ID-token validation rate: idpbridge's public path and its validator vs raw cryptography and PyJWT.

* floor  — ``cryptography`` RS256 verification of the same token's signature, nothing else
  (no parsing, no claims). Targets: TokenValidator >= 0.6x, ``authenticate(ExternalToken)``
  >= 0.5x of this.
* PyJWT  — ``jwt.decode`` with equivalent checks (RS256 allow-list, iss, aud, exp/iat/nbf with
  60 s leeway, required claims, nonce compared by hand) and a pre-parsed key, i.e. a warm key
  cache. Target: TokenValidator >= 1.0x.

* authenticate — what users call: ``OIDCConnector.authenticate(ExternalToken(token))`` on the
  generic ``oidc`` connector (discovery and JWKS cached, i.e. a warm connector): the validator
  plus the deadline, the request object, the claim map and the :class:`~idpbridge.Identity`.

TokenValidator runs with a warm JWKS cache (first call fetched the key set from an in-process
httpx.MockTransport). Prints rates and ratios; timings are never asserted.

    python bench/bench_idtoken.py [--n 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable, Mapping

import httpx
import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jws
from joserfc.jwk import RSAKey

from idpbridge import Authenticated, ContinuationKeys, ExternalToken
from idpbridge.cache import MemoryCache
from idpbridge.http import HttpClient
from idpbridge.oidc import ExactIssuer, JWKSManager, OIDCConnector, TokenPolicy, TokenValidator

ISSUER = "https://op.example.com"
CLIENT_ID = "0oa1bench2client3id"
JWKS_URI = f"{ISSUER}/oauth2/v1/keys"
NONCE = "n-0S6_WzA2Mj-bench"


DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/oauth2/v1/authorize",
    "token_endpoint": f"{ISSUER}/oauth2/v1/token",
    "jwks_uri": JWKS_URI,
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
}


def make_token(key: RSAKey, *, nonce: bool = True) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "00u1a2b3c4d5e6f7g8h9",
        "aud": CLIENT_ID,
        "exp": now + 3600,
        "iat": now,
        "auth_time": now - 5,
        "nonce": NONCE,
        "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "amr": ["pwd"],
        "idp": "00o1a2b3c4d5e6f7g8h9",
        "name": "Jane Doe",
        "preferred_username": "jane@example.com",
        "email": "jane@example.com",
        "email_verified": True,
        "ver": 1,
        "jti": "ID.4eAWJOCMB3SX8XewDfVR",
    }
    if not nonce:  # an ExternalToken comes from elsewhere: there is no nonce to compare
        del claims["nonce"]
    return jws.serialize_compact({"alg": "RS256", "kid": key.kid}, json.dumps(claims), key)


def mock_op() -> tuple[RSAKey, httpx.MockTransport]:
    """A fresh signing key and an in-process OP serving :data:`DISCOVERY` and the key's JWKS."""
    key = RSAKey.generate_key(2048, parameters={"kid": "bench-1", "use": "sig"})
    jwks_doc = {"keys": [key.as_dict(private=False)]}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=DISCOVERY if "well-known" in request.url.path else jwks_doc)

    return key, httpx.MockTransport(answer)


def token_connector(transport: httpx.MockTransport) -> OIDCConnector:
    """The generic ``oidc`` connector validating external tokens of the OP behind ``transport``."""
    return OIDCConnector(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        methods=["token"],
        http_client=httpx.AsyncClient(transport=transport),
        continuation_keys=ContinuationKeys.generate(),
    )


def arguments(doc: str) -> argparse.Namespace:
    """``--n`` (calls per block) and ``--repeat`` (rounds) for a script documented by ``doc``."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


async def best_rate(fn: Callable[[], Awaitable[None]] | Callable[[], None], n: int, repeat: int) -> float:
    """Operations per CPU-second, best of ``repeat`` runs of ``n`` calls.

    CPU time of this process (not wall time), so other load on the machine does not count.
    """
    best = float("inf")
    is_async = asyncio.iscoroutinefunction(fn)
    for _ in range(repeat):
        t0 = time.process_time()
        if is_async:
            for _ in range(n):
                await fn()  # type: ignore[misc]
        else:
            for _ in range(n):
                fn()
        best = min(best, time.process_time() - t0)
    return n / best


async def interleaved(
    sides: Mapping[str, Callable[[], Awaitable[None]] | Callable[[], None]], n: int, repeat: int
) -> dict[str, float]:
    """Each side's best rate over ``repeat`` rounds, one block of ``n`` calls per side per round,
    so drift (thermal, noisy neighbours) hits all alike."""
    rates = dict.fromkeys(sides, 0.0)
    for _ in range(repeat):
        for name, fn in sides.items():
            rates[name] = max(rates[name], await best_rate(fn, n, 1))
    return rates


async def main(n: int, repeat: int) -> dict[str, float]:
    key, transport = mock_op()
    http = HttpClient(client=httpx.AsyncClient(transport=transport))
    validator = TokenValidator(JWKSManager(http, MemoryCache()))
    policy = TokenPolicy(audience=CLIENT_ID, issuer=ExactIssuer(ISSUER))
    token = make_token(key)
    await validator.validate(token, policy, jwks_uri=JWKS_URI, nonce=NONCE)  # warm the key cache
    connector = token_connector(transport)
    request = ExternalToken(make_token(key, nonce=False))
    warm = await connector.authenticate(request)  # fetches discovery and keys once
    assert isinstance(warm, Authenticated)
    assert warm.identity.email == "jane@example.com"

    public = key.public_key
    head, payload, sig_b64 = token.split(".")
    signing_input = f"{head}.{payload}".encode()
    signature = base64.urlsafe_b64decode(sig_b64 + "=" * (-len(sig_b64) % 4))
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

    def raw_verify() -> None:
        public.verify(signature, signing_input, pkcs1, sha256)

    def pyjwt_decode() -> None:
        claims = jwt.decode(
            token,
            key=public,
            algorithms=["RS256"],
            audience=CLIENT_ID,
            issuer=ISSUER,
            leeway=60,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        if claims.get("nonce") != NONCE:
            raise ValueError("nonce")

    async def idpbridge_validate() -> None:
        await validator.validate(token, policy, jwks_uri=JWKS_URI, nonce=NONCE)

    async def idpbridge_authenticate() -> None:
        await connector.authenticate(request)

    sides = {
        "raw": raw_verify,
        "pyjwt": pyjwt_decode,
        "idpbridge": idpbridge_validate,
        "authenticate": idpbridge_authenticate,
    }
    rates = await interleaved(sides, n, repeat)
    await connector.aclose()
    await http.aclose()
    await http.client.aclose()
    return rates


if __name__ == "__main__":
    args = arguments(__doc__)
    r = asyncio.run(main(args.n, args.repeat))
    print(f"raw cryptography RS256 verify : {r['raw']:>9.0f} /s")
    print(f"PyJWT jwt.decode              : {r['pyjwt']:>9.0f} /s")
    print(f"idpbridge TokenValidator      : {r['idpbridge']:>9.0f} /s")
    print(f"idpbridge authenticate()      : {r['authenticate']:>9.0f} /s")
    print(f"validator vs raw verify       : {r['idpbridge'] / r['raw']:.2f}x  (target >= 0.6x)")
    print(f"authenticate vs raw verify    : {r['authenticate'] / r['raw']:.2f}x  (target >= 0.5x)")
    print(f"validator vs PyJWT            : {r['idpbridge'] / r['pyjwt']:.2f}x  (target >= 1.0x)")
