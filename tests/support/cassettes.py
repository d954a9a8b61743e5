"""Shared vcrpy setup for provider cassettes: one scrubbing policy, one replay policy.

Cassettes live in ``cassettes/<provider>/<scenario>.yaml``. Each starts with comment lines naming
the documented source of its wire shapes. They replay with no network (``record_mode="none"``);
``nox -s record -- <provider>`` sets ``IDPBRIDGE_RECORD=<provider>`` and the provider's tenant
credentials, and the same tests then record (``record_mode="all"``) through :func:`scrub_request`
and :func:`scrub_response`, so no secret is ever written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import vcr

from idpbridge import IdpBridgeError, Password

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
REDACTED = "REDACTED"

#: Form/JSON/query fields whose values are secrets.
SECRET_FIELDS = frozenset(
    {
        "client_secret",
        "password",
        "new_password",
        "otp",
        "totp",
        "code",
        "code_verifier",
        "passcode",
        "access_token",
        "id_token",
        "refresh_token",
        "mfa_token",
        "binding_code",
        "otp_code",
        "token",
        "client_assertion",
        "assertion",
        "stateHandle",
        "stateToken",
        "interaction_handle",
        "interaction_code",
        "Session",
        "SECRET_HASH",
        "PASSWORD",
        "EMAIL_OTP_CODE",
        "SMS_OTP_CODE",
        "SOFTWARE_TOKEN_MFA_CODE",
        "AccessToken",
        "IdToken",
        "RefreshToken",
        "appsecret_proof",
        "input_token",
        "user_code",
        "device_code",
        "sessionToken",
    }
)
#: Headers never stored.
SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-amz-security-token", "proxy-authorization")

#: What an unscrubbed secret looks like in a committed cassette.
UNSCRUBBED = [
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),  # a signed JWT
    re.compile(r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9_\-.~+/=]{16,}"),
    re.compile(r"(?i)client_secret=(?!REDACTED)[^&\s'\"]{6,}"),
    re.compile(r"(?i)\bpassword=(?!REDACTED)[^&\s'\"]+"),
    re.compile(r"(?i)\"(?:password|client_secret|refresh_token|mfa_token)\"\s*:\s*\"(?!REDACTED)[^\"]+\""),
    re.compile(r"(?i)^\s*(?:Cookie|Set-Cookie|Authorization):", re.MULTILINE),
]


def find_unscrubbed(text: str) -> list[str]:
    """Every match of an unscrubbed-secret pattern in ``text``."""
    return [m.group(0)[:40] for pattern in UNSCRUBBED for m in pattern.finditer(text)]


def redacted(value: object) -> str:
    """The stand-in for a secret: ``REDACTED`` padded to the original length, so services that
    validate a field's length (botocore: a Cognito ``Session`` is at least 20 characters) still
    accept a replayed cassette. Only the length survives."""
    n = len(value) if isinstance(value, str) else 0
    return REDACTED + "-" * max(0, n - len(REDACTED))


#: A JSON ``code`` that is a number or an UPPER_SNAKE constant names an error (PingOne's
#: ``INVALID_DATA``, Meta's ``190``), not an authorization code: it is kept.
_ERROR_CODE = re.compile(r"[A-Z]+(?:_[A-Z]+)*")


def _secret_json(key: str, value: Any) -> bool:
    if key not in SECRET_FIELDS or value in (None, ""):
        return False
    error_code = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and _ERROR_CODE.fullmatch(value) is not None
    )
    return not (key == "code" and error_code)


def _scrub_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (redacted(v) if _secret_json(k, v) else _scrub_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    return value


def scrub_text(body: str) -> str:
    """Scrub a JSON or form-encoded body (anything else passes through the JWT pattern only)."""
    stripped = body.strip()
    if stripped.startswith("{"):
        try:
            return json.dumps(_scrub_json(json.loads(stripped)))
        except ValueError:
            pass
    elif "=" in stripped and "\n" not in stripped:
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            return urlencode([(k, redacted(v) if k in SECRET_FIELDS else v) for k, v in pairs])
    return UNSCRUBBED[0].sub(REDACTED, body)


def _scrub_body(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes):
        return scrub_text(body.decode("utf-8", "replace")).encode()
    return scrub_text(str(body))


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request`` hook."""
    for name in list(request.headers):
        if name.lower() in SECRET_HEADERS:
            del request.headers[name]
    request.body = _scrub_body(request.body)
    if "?" in request.uri:
        base, _, query = request.uri.partition("?")
        pairs = parse_qsl(query, keep_blank_values=True)
        request.uri = (
            base + "?" + urlencode([(k, redacted(v) if k in SECRET_FIELDS else v) for k, v in pairs])
        )
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response`` hook."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    body = response.get("body", {})
    if "string" in body:
        body["string"] = _scrub_body(body["string"])
    return response


def recording(provider: str) -> bool:
    """Whether this run re-records ``provider``'s cassettes (set by ``nox -s record``)."""
    return os.environ.get("IDPBRIDGE_RECORD") == provider


def cassette_vcr(
    provider: str, *, match_on: Iterable[str] = ("method", "scheme", "host", "port", "path"), **kwargs: Any
) -> vcr.VCR:
    """A VCR for ``cassettes/<provider>/``: replay only, unless recording this provider."""
    return vcr.VCR(
        cassette_library_dir=str(CASSETTES / provider),
        record_mode="all" if recording(provider) else "none",
        match_on=list(match_on),
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
        **kwargs,
    )


def tenant_fields(
    provider: str,
    recorded: Mapping[str, str],
    replayed: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Connector fields: read from the environment variables ``recorded`` names (field -> variable;
    ``defaults`` for a field whose variable is unset) when ``nox -s record`` re-records
    ``provider``, else ``replayed`` (the cassettes' tenant)."""
    if recording(provider):
        fallback = defaults or {}
        return {
            field: os.environ[variable]
            if field not in fallback
            else os.environ.get(variable, fallback[field])
            for field, variable in recorded.items()
        }
    return dict(replayed)


async def replay_password_error(
    conn: Any, provider: str, scenario: str, username: str, password: str, *, hidden: Iterable[str] = ()
) -> IdpBridgeError:
    """Replay ``discovery.yaml`` (``conn.metadata()``), then ``<scenario>.yaml`` around a
    ``Password`` login that must fail; returns the error.

    Every interaction of the scenario must be played, and neither the password nor any of
    ``hidden`` (client secrets, session handles) may show in the error's ``str`` or ``repr``.
    """
    recorder = cassette_vcr(provider)
    with recorder.use_cassette("discovery.yaml"):
        await conn.metadata()
    with recorder.use_cassette(f"{scenario}.yaml") as cassette, pytest.raises(IdpBridgeError) as info:
        await conn.authenticate(Password(username, password))
    assert cassette.all_played
    err = info.value
    for secret in (password, *hidden):
        assert secret not in str(err)
        assert secret not in repr(err)
    return err


#: The tenant a provider's cassettes replay against: recording variable -> the replayed value
#: (the constants of ``tests/providers/<provider>``). :func:`stamp_recorded` puts these in place of
#: the recording tenant's values, so a recorded cassette replays like a transcribed one.
REPLAY_TENANT: Mapping[str, Mapping[str, str]] = {
    "okta": {"OKTA_DOMAIN": "acme.okta.test", "OKTA_CLIENT_ID": "0oa1cassette2client3"},
    "auth0": {"AUTH0_DOMAIN": "acme.us.auth0.test", "AUTH0_CLIENT_ID": "cassetteClientId0123456789abcdef"},
    "entra": {
        "ENTRA_TENANT": "11111111-2222-4333-8444-555555555555",
        "ENTRA_CLIENT_ID": "00000000-aaaa-4bbb-8ccc-000000000001",
    },
    "keycloak": {"KEYCLOAK_URL": "https://sso.acme.test", "KEYCLOAK_CLIENT_ID": "migration-app"},
    "onelogin": {
        "ONELOGIN_SUBDOMAIN": "acme",
        "ONELOGIN_CLIENT_ID": "3f2b1c40-0000-4000-8000-0000000000aa123456",
    },
    "pingone": {
        "PINGONE_ENVIRONMENT_ID": "3c1e0a5d-7b2f-4c8e-9a6d-0f1e2d3c4b5a",
        "PINGONE_CLIENT_ID": "6c2f0a1b-0000-4000-8000-00000000c1d0",
    },
    "cognito": {
        "COGNITO_REGION": "us-east-1",
        "COGNITO_USER_POOL_ID": "us-east-1_Cassette1",
        "COGNITO_CLIENT_ID": "3n4b5urk1ft4fl3mg5e62d9ado",
    },
}


def stamp_recorded(
    provider: str,
    *,
    directory: Path | None = None,
    when: str = "",
    rename: Mapping[str, str] | None = None,
) -> list[Path]:
    """After ``nox -s record``: give each freshly recorded cassette of ``provider`` (one vcrpy wrote,
    without a comment header) its header, what it is and ``# source: rec:cassettes/…``, and put the
    replay tenant's values in place of the recording tenant's (``rename``: real -> replayed).

    Refuses (``AssertionError``) when any cassette still holds what looks like a secret. Returns
    the cassettes stamped.
    """
    folder = directory or CASSETTES / provider
    stamped, leaks = [], []
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text()
        leaks += [f"{path.name}: {hit}" for hit in find_unscrubbed(text)]
        if text.startswith("#"):
            continue
        for real, replayed in sorted((rename or {}).items(), key=lambda kv: -len(kv[0])):
            if real:
                text = text.replace(real, replayed)
        relative = f"cassettes/{provider}/{path.name}"
        on = f" on {when}" if when else ""
        header = (
            f"# {provider}: {path.stem.replace('_', ' ')}, recorded from a tenant{on}.\n"
            f"# source: rec:{relative}\n"
            "# Secrets were scrubbed by tests/support/cassettes.py before this file was written.\n"
        )
        path.write_text(header + text)
        stamped.append(path)
    assert not leaks, "unscrubbed secrets, do not commit:\n" + "\n".join(leaks)
    return stamped


if __name__ == "__main__":  # python -m tests.support.cassettes stamp <provider>
    import sys
    from datetime import UTC, datetime

    if sys.argv[1:2] != ["stamp"] or len(sys.argv) != 3:
        raise SystemExit("usage: python -m tests.support.cassettes stamp <provider>")
    provider = sys.argv[2]
    rename = {os.environ.get(var, ""): value for var, value in REPLAY_TENANT.get(provider, {}).items()}
    done = stamp_recorded(provider, when=datetime.now(UTC).date().isoformat(), rename=rename)
    print(f"{len(done)} recorded cassette(s) stamped; no secret found")
