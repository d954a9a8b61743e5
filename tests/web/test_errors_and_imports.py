"""Typed errors become HTTP answers with safe messages; the core imports no web framework."""

from __future__ import annotations

import subprocess
import sys

import pytest

from idpbridge import errors as e
from idpbridge.jit.errors import LinkConflict, StoreError
from idpbridge.methods import InvalidRequest
from idpbridge.orgs import OrganizationError
from idpbridge.replay import ReplayStoreError
from idpbridge.web import http_error

PLANTED = "planted-secret-Zq9"


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (e.InvalidCredentials(PLANTED), 401, "invalid_credentials"),
        (e.InvalidCode(PLANTED), 401, "invalid_code"),
        (e.MFARequired(PLANTED), 401, "mfa_required"),
        (e.AccountLocked(PLANTED), 403, "account_locked"),
        (e.AccountDisabled(PLANTED), 403, "account_disabled"),
        (e.PasswordChangeRequired(PLANTED), 403, "password_change_required"),
        (e.TokenValidationError(PLANTED, code="token.expired"), 401, "token.expired"),
        (e.FlowError(PLANTED, code="flow.reused"), 400, "flow.reused"),
        (ReplayStoreError(PLANTED), 503, "flow.replay_store_unavailable"),
        (e.RateLimited(PLANTED, retry_after=2.5), 429, "provider.rate_limited"),
        (e.ProviderUnavailable(PLANTED, retry_after=30), 503, "provider.unavailable"),
        (e.MalformedResponse(PLANTED), 502, "provider.malformed_response"),
        (e.ProviderError(PLANTED, status=500), 502, "provider.error"),
        (OrganizationError(PLANTED, code="org.unknown_domain"), 400, "org.unknown_domain"),
        (LinkConflict(PLANTED), 409, LinkConflict.default_code),
        (StoreError(PLANTED), 503, StoreError.default_code),
        (InvalidRequest(PLANTED), 400, InvalidRequest.default_code),
        (e.ConfigurationError(PLANTED), 500, "config.invalid"),
        (e.PluginError(PLANTED), 500, "plugin.error"),
    ],
)
def test_status_code_and_safe_message(exc: e.IdpBridgeError, status: int, code: str) -> None:
    answer = http_error(exc)
    assert (answer.status, answer.code) == (status, code)
    assert PLANTED not in answer.message
    assert PLANTED not in str(answer.json())
    assert answer.message.endswith(".")


def test_retry_after_is_whole_seconds() -> None:
    assert http_error(e.RateLimited("slow down", retry_after=2.5)).headers == {"Retry-After": "3"}
    assert http_error(e.InvalidCredentials("no")).headers == {}


def test_no_framework_is_imported_without_its_adapter() -> None:
    code = (
        "import sys, idpbridge.web; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'starlette', 'fastapi', 'django', 'flask'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
