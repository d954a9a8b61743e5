"""ID-token validation: the happy paths and the hostile-token cases of rp-conformance.md §3.1/§3.5."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json

import pytest
from joserfc.jwk import OctKey
from pydantic import SecretStr

from idpbridge.errors import ConfigurationError, TokenValidationError
from idpbridge.oidc import ExactIssuer, TokenPolicy, TokenValidator
from idpbridge.oidc.idtoken import EXTERNAL_MAX_IAT_AGE, FLOW_MAX_IAT_AGE, at_hash, claim_equals

from .conftest import (
    CLIENT_ID,
    ISSUER,
    JWKS_URI,
    NOW,
    Clock,
    FakeOP,
    Keys,
    b64,
    b64json,
    claims,
    mint,
    unsigned,
)

NONCE = "n-0S6_WzA2Mj"


def hs256(header: dict[str, object], payload: dict[str, object], secret: bytes) -> str:
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


async def refused(
    validator: TokenValidator, token: str, policy: TokenPolicy, code: str, **kwargs: object
) -> TokenValidationError:
    kwargs.setdefault("nonce", NONCE)
    with pytest.raises(TokenValidationError) as info:
        await validator.validate(token, policy, jwks_uri=JWKS_URI, **kwargs)  # type: ignore[arg-type]
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


# --- accepted -------------------------------------------------------------------------------


async def test_valid_rs256(validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP) -> None:
    result = await validator.validate(mint(keys.rsa), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    assert result.claims["sub"] == "user-1"
    assert result.header == {"alg": "RS256", "kid": "rsa1"}
    assert op.jwks_fetches == 1
    # warm: a second token costs no request
    await validator.validate(mint(keys.rsa), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    assert op.jwks_fetches == 1


async def test_valid_es256_and_eddsa(validator: TokenValidator, keys: Keys) -> None:
    policy = TokenPolicy(
        audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), algorithms=frozenset({"ES256", "Ed25519"})
    )
    r = await validator.validate(mint(keys.ec, alg="ES256"), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    assert r.header["alg"] == "ES256"
    r = await validator.validate(mint(keys.okp, alg="Ed25519"), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    assert r.header["alg"] == "Ed25519"


async def test_aud_array_with_one_entry(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    token = mint(keys.rsa, claims(aud=[CLIENT_ID]))
    assert (await validator.validate(token, policy, jwks_uri=JWKS_URI, nonce=NONCE)).claims["aud"] == [
        CLIENT_ID
    ]


async def test_multi_aud_with_matching_azp(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys
) -> None:
    token = mint(keys.rsa, claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID))
    await validator.validate(token, policy, jwks_uri=JWKS_URI, nonce=NONCE)


async def test_kid_absent_single_key(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP
) -> None:
    # rp-id_token-kid-absent-single-jwks: one RSA signing key without kid, plus other key types.
    rsa = {k: v for k, v in keys.rsa.as_dict(private=False).items() if k != "kid"}
    op.jwks = {"keys": [rsa, keys.ec.as_dict(private=False), keys.okp.as_dict(private=False)]}
    await validator.validate(mint(keys.rsa, kid=None), policy, jwks_uri=JWKS_URI, nonce=NONCE)


async def test_leeway_edges(validator: TokenValidator, policy: TokenPolicy, keys: Keys, clock: Clock) -> None:
    # exp in the past by less than the leeway is fine; exactly exp + leeway is expired.
    await validator.validate(
        mint(keys.rsa, claims(exp=int(NOW) - 59)), policy, jwks_uri=JWKS_URI, nonce=NONCE
    )
    await refused(validator, mint(keys.rsa, claims(exp=int(NOW) - 60)), policy, "token.expired")
    await validator.validate(
        mint(keys.rsa, claims(nbf=int(NOW) + 60)), policy, jwks_uri=JWKS_URI, nonce=NONCE
    )
    await refused(validator, mint(keys.rsa, claims(nbf=int(NOW) + 61)), policy, "token.not_yet_valid")


# --- algorithm and key confusion (no fetch may happen) ----------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", ""])
async def test_alg_none_variants_refused_without_fetch(
    validator: TokenValidator, policy: TokenPolicy, op: FakeOP, alg: str
) -> None:
    token = unsigned({"alg": alg}, claims())
    err = await refused(validator, token, policy, "token.algorithm" if alg else "token.malformed")
    assert op.count() == 0
    assert token not in str(err)


@pytest.mark.parametrize("alg", [["RS256"], 256, None, {"a": 1}])
async def test_non_string_alg(
    validator: TokenValidator, policy: TokenPolicy, op: FakeOP, alg: object
) -> None:
    await refused(validator, unsigned({"alg": alg}, claims(), "c2ln"), policy, "token.malformed")
    assert op.count() == 0


async def test_alg_none_only_when_explicitly_allowed(validator: TokenValidator, op: FakeOP) -> None:
    policy = TokenPolicy(audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), allow_none=True)
    r = await validator.validate(unsigned({"alg": "none"}, claims()), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    assert r.claims["sub"] == "user-1"
    # a "none" token that nevertheless carries a signature is not accepted
    await refused(validator, unsigned({"alg": "none"}, claims(), "c2ln"), policy, "token.signature")
    assert op.count() == 0


async def test_hs256_with_rsa_public_key_as_secret(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP
) -> None:
    # CVE-2017-11424 / CVE-2022-29217 shape: HMAC keyed with the provider's public key material.
    public = keys.rsa.as_dict(private=False)
    for secret in (
        keys.rsa.as_pem(private=False),
        keys.rsa.as_der(private=False),
        json.dumps(public).encode(),
        base64.urlsafe_b64decode(public["n"] + "=="),
    ):
        token = hs256({"alg": "HS256", "kid": "rsa1"}, claims(), secret)
        await refused(validator, token, policy, "token.algorithm")
    assert op.count() == 0


async def test_hs256_with_rsa_public_key_even_when_hs_enabled(
    validator: TokenValidator, keys: Keys, op: FakeOP
) -> None:
    secret = "a-client-secret-of-at-least-32-bytes!!"
    policy = TokenPolicy(
        audience=CLIENT_ID,
        issuer=ExactIssuer(ISSUER),
        algorithms=frozenset({"HS256", "RS256"}),
        allow_symmetric=True,
        hmac_secret=SecretStr(secret),
    )
    token = hs256({"alg": "HS256", "kid": "rsa1"}, claims(), keys.rsa.as_pem(private=False))
    await refused(validator, token, policy, "token.signature")
    good = mint(OctKey.import_key(secret.encode()), alg="HS256", kid=None)
    assert (await validator.validate(good, policy, jwks_uri=None, nonce=NONCE)).claims["sub"] == "user-1"
    assert op.count() == 0  # HS* keys never come from the JWKS


async def test_hs256_refused_unless_enabled(validator: TokenValidator, op: FakeOP) -> None:
    # HS256 listed (e.g. from discovery) but allow_symmetric is off.
    policy = TokenPolicy(audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), algorithms=frozenset({"HS256"}))
    token = mint(OctKey.import_key(b"x" * 32), alg="HS256", kid=None)
    await refused(validator, token, policy, "token.algorithm")
    assert op.count() == 0


async def test_alg_outside_allow_list(validator: TokenValidator, keys: Keys, op: FakeOP) -> None:
    policy = TokenPolicy(audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), algorithms=frozenset({"PS256"}))
    await refused(validator, mint(keys.rsa, alg="RS256"), policy, "token.algorithm")
    assert op.count() == 0


async def test_jwk_alg_binding(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP
) -> None:
    # CVE-2026-48523 shape: the JWK says RS384, the token says RS256.
    op.jwks = {"keys": [{**keys.rsa.as_dict(private=False), "alg": "RS384"}]}
    await refused(validator, mint(keys.rsa), policy, "token.key_not_found")


async def test_es256_token_cannot_use_rsa_key(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys
) -> None:
    # header claims ES256 with the RSA key's kid: no key of the right type -> refused
    await refused(validator, mint(keys.ec, alg="ES256", kid="rsa1"), policy, "token.key_not_found")


async def test_bad_signature(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    token = mint(keys.rsa)
    head, body, sig = token.split(".")
    raw = base64.urlsafe_b64decode(sig + "==")
    flipped = b64(bytes(b ^ 0x5A for b in raw))  # the OIDF suite's corruption
    await refused(validator, f"{head}.{body}.{flipped}", policy, "token.signature")
    # a valid signature over other claims
    other = mint(keys.rsa, claims(sub="admin")).split(".")[2]
    await refused(validator, f"{head}.{body}.{other}", policy, "token.signature")
    await refused(validator, f"{head}.{body}.", policy, "token.signature")


async def test_signed_by_attacker_key_with_same_kid(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys
) -> None:
    await refused(validator, mint(keys.attacker), policy, "token.signature")


@pytest.mark.parametrize("injected", ["jku", "jwk", "x5u", "x5c"])
async def test_embedded_key_headers_ignored(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP, injected: str
) -> None:
    values = {
        "jku": "https://attacker.example/jwks",
        "jwk": keys.attacker.as_dict(private=False),
        "x5u": "https://attacker.example/cert.pem",
        "x5c": ["MIIBattacker"],
    }
    token = mint(keys.attacker, header={injected: values[injected]})
    await refused(validator, token, policy, "token.signature")
    assert all(r.url.host == "op.example.com" for r in op.requests)
    assert op.count() == 1  # only the configured jwks_uri


async def test_crit_header_refused(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP
) -> None:
    for crit in (["bork"], ["exp"], [], ["b64"]):
        token = unsigned(
            {"alg": "RS256", "kid": "rsa1", "crit": crit, "bork": 1, "b64": False}, claims(), "c2ln"
        )
        await refused(validator, token, policy, "token.malformed")
    assert op.count() == 0


@pytest.mark.parametrize("typ", ["at+jwt", "logout+jwt", "application/at+jwt", 5])
async def test_header_typ_confusion(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, typ: object
) -> None:
    token = unsigned({"alg": "RS256", "kid": "rsa1", "typ": typ}, claims(), "c2ln")
    await refused(validator, token, policy, "token.type")


async def test_header_typ_jwt_accepted(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await validator.validate(mint(keys.rsa, header={"typ": "JWT"}), policy, jwks_uri=JWKS_URI, nonce=NONCE)


# --- issuer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss",
    [
        "https://evil.example.com",
        ISSUER + "1",  # OIDF suffix mutation
        ISSUER + "/",  # trailing slash
        "https://op.example",  # prefix (CVE-2024-53861 shape)
        "op.example.com",  # substring
        "http",
        "HTTPS://OP.EXAMPLE.COM",  # case
        "https://op.example.com\u200b",  # invisible code point
        "",
        None,
        ["https://op.example.com"],
    ],
)
async def test_wrong_issuer(validator: TokenValidator, policy: TokenPolicy, keys: Keys, iss: object) -> None:
    await refused(validator, mint(keys.rsa, claims(iss=iss)), policy, "token.issuer")


# --- audience / azp -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "aud", ["other", CLIENT_ID + "1", "client", CLIENT_ID.upper(), [], ["other"], 5, None]
)
async def test_wrong_audience(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, aud: object
) -> None:
    await refused(validator, mint(keys.rsa, claims(aud=aud)), policy, "token.audience")


async def test_multi_aud_without_azp(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await refused(validator, mint(keys.rsa, claims(aud=[CLIENT_ID, CLIENT_ID + "1"])), policy, "token.azp")


@pytest.mark.parametrize("azp", ["other-client", 7])
async def test_azp_mismatch(validator: TokenValidator, policy: TokenPolicy, keys: Keys, azp: object) -> None:
    await refused(validator, mint(keys.rsa, claims(azp=azp)), policy, "token.azp")


async def test_trusted_azp(validator: TokenValidator, keys: Keys) -> None:
    policy = TokenPolicy(
        audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), trusted_azp=frozenset({"android-app"})
    )
    await validator.validate(
        mint(keys.rsa, claims(azp="android-app")), policy, jwks_uri=JWKS_URI, nonce=NONCE
    )


async def test_missing_sub(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await refused(validator, mint(keys.rsa, claims(sub=None)), policy, "token.subject")
    await refused(validator, mint(keys.rsa, claims(sub="")), policy, "token.subject")


# --- time ----------------------------------------------------------------------------------------


async def test_expired(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await refused(validator, mint(keys.rsa, claims(exp=int(NOW) - 360)), policy, "token.expired")


async def test_old_iat(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    week = 7 * 86400
    await refused(validator, mint(keys.rsa, claims(iat=int(NOW) - week)), policy, "token.issued_at")


async def test_iat_age_edges_of_the_default_policy(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys
) -> None:
    """Default max_iat_age is the token-endpoint one (300 s); L = 60 s: iat may be 360 s old."""
    assert policy.max_iat_age == FLOW_MAX_IAT_AGE == 300
    old = claims(iat=int(NOW) - 360, exp=int(NOW) + 600)
    await validator.validate(mint(keys.rsa, old), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    older = claims(iat=int(NOW) - 361, exp=int(NOW) + 600)
    await refused(validator, mint(keys.rsa, older), policy, "token.issued_at")
    external = dataclasses.replace(policy, max_iat_age=EXTERNAL_MAX_IAT_AGE)
    await validator.validate(mint(keys.rsa, older), external, jwks_uri=JWKS_URI, nonce=NONCE)


@pytest.mark.parametrize("age", [0, -1, float("nan"), float("inf")])
def test_max_iat_age_must_be_positive_and_finite(age: float) -> None:
    with pytest.raises(ConfigurationError) as info:
        TokenPolicy(audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), max_iat_age=age)
    assert info.value.field == "max_iat_age"


async def test_future_iat_beyond_leeway(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await refused(validator, mint(keys.rsa, claims(iat=int(NOW) + 120)), policy, "token.issued_at")


async def test_future_nbf(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await refused(validator, mint(keys.rsa, claims(nbf=int(NOW) + 3600)), policy, "token.not_yet_valid")


@pytest.mark.parametrize("name", ["exp", "iat"])
@pytest.mark.parametrize("value", [None, "1750000300", True, 1e400, [1], {"v": 1}])
async def test_bad_numeric_dates(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, name: str, value: object
) -> None:
    if value == 1e400:  # json.dumps writes Infinity; our strict parser refuses the payload
        await refused(validator, mint(keys.rsa, claims(**{name: value})), policy, "token.malformed")
        return
    await refused(validator, mint(keys.rsa, claims(**{name: value})), policy, "token.claim")


async def test_clock_is_injected(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, clock: Clock
) -> None:
    token = mint(keys.rsa)
    await validator.validate(token, policy, jwks_uri=JWKS_URI, nonce=NONCE)
    clock.advance(300 + 60)
    await refused(validator, token, policy, "token.expired")


# --- nonce ----------------------------------------------------------------------------------------


async def test_nonce_mismatch(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    for sent in (NONCE + "1", NONCE[:-1], "012345678", NONCE.upper()):
        await refused(validator, mint(keys.rsa), policy, "token.nonce", nonce=sent)


async def test_nonce_missing(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    await refused(validator, mint(keys.rsa, claims(nonce=None)), policy, "token.nonce")
    await refused(validator, mint(keys.rsa, claims(nonce=123)), policy, "token.nonce")


async def test_nonce_unexpected_or_required(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys
) -> None:
    await refused(validator, mint(keys.rsa), policy, "token.nonce", nonce=None)
    no_nonce = mint(keys.rsa, claims(nonce=None))
    await refused(validator, no_nonce, policy, "token.nonce", nonce=None, expect_nonce=True)
    await validator.validate(no_nonce, policy, jwks_uri=JWKS_URI)  # ROPC-style: none sent, none present


# --- at_hash ---------------------------------------------------------------------------------------


def test_at_hash_vector() -> None:
    # OpenID Connect Core 1.0 §A.3 example: access token and its at_hash.
    assert at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == "77QmUPtjPfzWtF2AnpK9RQ"


async def test_at_hash(validator: TokenValidator, policy: TokenPolicy, keys: Keys) -> None:
    access = "ya29.an-access-token"
    digest = hashlib.sha256(access.encode()).digest()[:16]
    token = mint(keys.rsa, claims(at_hash=b64(digest)))
    await validator.validate(token, policy, jwks_uri=JWKS_URI, nonce=NONCE, access_token=access)
    await refused(validator, token, policy, "token.at_hash", access_token=access + "x")
    # sorted characters (the old suite's corruption)
    bad = mint(keys.rsa, claims(at_hash="".join(sorted(b64(digest)))))
    await refused(validator, bad, policy, "token.at_hash", access_token=access)
    # absent at_hash is fine for the code flow
    await validator.validate(mint(keys.rsa), policy, jwks_uri=JWKS_URI, nonce=NONCE, access_token=access)


async def test_at_hash_es384_uses_sha384(validator: TokenValidator, keys: Keys) -> None:
    from joserfc.jwk import ECKey

    access = "tok"
    expected = b64(hashlib.sha384(access.encode()).digest()[:24])
    assert at_hash(access, "ES384") == expected
    assert at_hash(access, "Ed25519") == b64(hashlib.sha512(access.encode()).digest()[:32])
    assert isinstance(ECKey.generate_key("P-384"), ECKey)


# --- key rotation and refetch -----------------------------------------------------------------------


async def test_unknown_kid_then_rotation(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP
) -> None:
    await validator.validate(mint(keys.rsa), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    op.jwks = {"keys": [keys.rsa2.as_dict(private=False)]}  # the OP rotates
    r = await validator.validate(mint(keys.rsa2), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    assert r.header["kid"] == "rsa2"
    assert op.jwks_fetches == 2  # exactly one forced refetch


async def test_unknown_kid_within_cooldown_no_second_fetch(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP, clock: Clock
) -> None:
    await validator.validate(mint(keys.rsa), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    for i in range(20):  # a flood of random kids (rp-conformance 112)
        await refused(validator, mint(keys.rsa, kid=f"random-{i}"), policy, "token.key_not_found")
    assert op.jwks_fetches == 2  # the first unknown kid refetched once; the rest hit the cooldown
    clock.advance(31)
    await refused(validator, mint(keys.rsa, kid="random-x"), policy, "token.key_not_found")
    assert op.jwks_fetches == 3


async def test_key_rotation_just_before_signing(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP, clock: Clock
) -> None:
    # rp-key-rotation-op-sign-key-native: the set was fetched seconds earlier, then rotated.
    await validator.validate(mint(keys.rsa), policy, jwks_uri=JWKS_URI, nonce=NONCE)
    clock.advance(2)
    op.jwks = {"keys": [keys.rsa.as_dict(private=False), keys.rsa2.as_dict(private=False)]}
    await validator.validate(mint(keys.rsa2), policy, jwks_uri=JWKS_URI, nonce=NONCE)


# --- structure and size (no fetch) --------------------------------------------------------------------


async def test_oversized_token_no_fetch(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, op: FakeOP
) -> None:
    big = mint(keys.rsa, claims(pad="x" * 20000))
    await refused(validator, big, policy, "token.too_large")
    huge = "a" * 10_000_000
    await refused(validator, huge, policy, "token.too_large")
    assert op.count() == 0


GOOD_HEADER = b64json({"alg": "RS256", "kid": "rsa1"})
GOOD_BODY = b64json(claims())
DUP_HEADER = b64(b'{"alg":"RS256","alg":"none"}')


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        f"{GOOD_HEADER}.{GOOD_BODY}",  # 2 segments
        f"{GOOD_HEADER}.{GOOD_BODY}.c2ln.extra",  # 4 segments
        f"{GOOD_HEADER}.{GOOD_BODY}.a.b.c",  # JWE-shaped
        f".{GOOD_BODY}.c2ln",
        f"{GOOD_HEADER}..c2ln",
        f"{GOOD_HEADER}=.{GOOD_BODY}.c2ln",  # padding
        f"{GOOD_HEADER}.{GOOD_BODY}.c2ln+/",  # standard base64
        f"{GOOD_HEADER}.{GOOD_BODY}.c2l",  # impossible length / non-canonical
        f"{GOOD_HEADER} .{GOOD_BODY}.c2ln",  # whitespace
        f"{GOOD_HEADER}.{GOOD_BODY}.c2ln\n",
        f"{GOOD_HEADER}.{GOOD_BODY}.sïg",  # non-ASCII
        f"{b64(b'not json')}.{GOOD_BODY}.c2ln",
        f"{b64json([1, 2])}.{GOOD_BODY}.c2ln",  # header not an object
        f"{b64json('RS256')}.{GOOD_BODY}.c2ln",
        f"{b64(b'null')}.{GOOD_BODY}.c2ln",
        f"{b64(bytes([0xFF, 0xFE]) + b'{}')}.{GOOD_BODY}.c2ln",  # invalid UTF-8
        DUP_HEADER + f".{GOOD_BODY}.c2ln",  # duplicate header member
        f"{b64json({'alg': 'RS256', 'kid': 'k' * 300})}.{GOOD_BODY}.c2ln",  # 300-char kid
        f"{b64json({'alg': 'RS256', 'kid': 5})}.{GOOD_BODY}.c2ln",
        f"{b64json({'alg': 'RS256', 'kid': None})}.{GOOD_BODY}.c2ln",
        '{"payload":"x","signatures":[]}',  # JSON serialization
    ],
)
async def test_malformed_structure_no_fetch(
    validator: TokenValidator, policy: TokenPolicy, op: FakeOP, token: str
) -> None:
    await refused(validator, token, policy, "token.malformed")
    assert op.count() == 0


async def test_non_string_token(validator: TokenValidator, policy: TokenPolicy) -> None:
    await refused(validator, b"abc.def.ghi", policy, "token.malformed")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1,2]",
        b'"string"',
        b"null",
        b'{"iss":"https://op.example.com","iss":"https://evil.example"}',  # duplicate claims
        b'{"sub":"a","exp":NaN}',
        b'{"sub":"a","exp":1' + b"0" * 30 + b"}",
    ],
)
async def test_malformed_payload(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys, payload: bytes
) -> None:
    # Correctly signed by the OP: the payload itself is the problem.
    header = b64json({"alg": "RS256", "kid": "rsa1"})
    signing_input = f"{header}.{b64(payload)}".encode()
    from joserfc.jws import JWSRegistry

    sig = JWSRegistry.algorithms["RS256"].sign(signing_input, keys.rsa)
    await refused(validator, f"{signing_input.decode()}.{b64(sig)}", policy, "token.malformed")


# --- provider hooks -----------------------------------------------------------------------------------


async def test_claim_checks(validator: TokenValidator, keys: Keys) -> None:
    cognito = TokenPolicy(
        audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), claim_checks=(claim_equals("token_use", "id"),)
    )
    await validator.validate(mint(keys.rsa, claims(token_use="id")), cognito, jwks_uri=JWKS_URI, nonce=NONCE)
    await refused(validator, mint(keys.rsa, claims(token_use="access")), cognito, "token.type")
    await refused(validator, mint(keys.rsa), cognito, "token.type")
    keycloak = TokenPolicy(
        audience=CLIENT_ID,
        issuer=ExactIssuer(ISSUER),
        claim_checks=(claim_equals("typ", "ID", required=False),),
    )
    await validator.validate(mint(keys.rsa), keycloak, jwks_uri=JWKS_URI, nonce=NONCE)
    await refused(validator, mint(keys.rsa, claims(typ="Bearer")), keycloak, "token.type")


async def test_broken_claim_check_is_a_validation_error(validator: TokenValidator, keys: Keys) -> None:
    def broken(header: object, claims: object) -> None:
        raise KeyError("boom")

    policy = TokenPolicy(audience=CLIENT_ID, issuer=ExactIssuer(ISSUER), claim_checks=(broken,))
    await refused(validator, mint(keys.rsa), policy, "token.claim")


# --- secrets never leak ----------------------------------------------------------------------------------


async def test_errors_do_not_echo_token_or_secret(validator: TokenValidator, keys: Keys) -> None:
    secret = "s3cret-client-secret-value-0123456789"
    policy = TokenPolicy(
        audience=CLIENT_ID,
        issuer=ExactIssuer(ISSUER),
        algorithms=frozenset({"HS256"}),
        allow_symmetric=True,
        hmac_secret=SecretStr(secret),
    )
    token = mint(OctKey.import_key(b"wrong-secret-wrong-secret-wrong-secret"), alg="HS256", kid=None)
    err = await refused(validator, token, policy, "token.signature")
    for text in (str(err), repr(err), err.message):
        assert secret not in text
        assert token not in text
        assert token.split(".")[2] not in text
    assert secret not in repr(policy)


def test_public_key_as_client_secret_is_a_configuration_error(keys: Keys) -> None:
    from idpbridge.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        TokenPolicy(
            audience=CLIENT_ID,
            issuer=ExactIssuer(ISSUER),
            algorithms=frozenset({"HS256"}),
            allow_symmetric=True,
            hmac_secret=SecretStr(keys.rsa.as_pem(private=False).decode()),
        )


# --- requests from the flows side: ignore_nonce, header_types ------------------------------------


async def test_ignore_nonce_for_external_tokens(
    validator: TokenValidator, policy: TokenPolicy, keys: Keys
) -> None:
    token = mint(keys.rsa)  # carries another transaction's nonce
    await refused(validator, token, policy, "token.nonce", nonce=None)
    r = await validator.validate(token, policy, jwks_uri=JWKS_URI, ignore_nonce=True)
    assert r.claims["nonce"] == NONCE
    # a nonce that IS supplied is still checked
    await refused(validator, token, policy, "token.nonce", nonce="other", ignore_nonce=True)


async def test_header_types_for_access_tokens(validator: TokenValidator, keys: Keys, op: FakeOP) -> None:
    at_policy = TokenPolicy(
        audience="https://api.example.com",
        issuer=ExactIssuer(ISSUER),
        header_types=frozenset({"AT+JWT", "application/at+jwt"}),
    )
    access = mint(keys.rsa, claims(aud="https://api.example.com", nonce=None), header={"typ": "at+jwt"})
    r = await validator.validate(access, at_policy, jwks_uri=JWKS_URI)
    assert r.header["typ"] == "at+jwt"
    # an ID token (typ JWT) is not an access token for this policy, and vice versa; no key fetch needed
    fetches = op.jwks_fetches
    id_token = mint(keys.rsa, claims(aud="https://api.example.com", nonce=None), header={"typ": "JWT"})
    await refused(validator, id_token, at_policy, "token.type", nonce=None)
    assert op.jwks_fetches == fetches


async def test_typ_refused_before_key_fetch(
    validator: TokenValidator, policy: TokenPolicy, op: FakeOP
) -> None:
    token = unsigned({"alg": "RS256", "kid": "rsa1", "typ": "at+jwt"}, claims(), "c2ln")
    await refused(validator, token, policy, "token.type")
    assert op.count() == 0
