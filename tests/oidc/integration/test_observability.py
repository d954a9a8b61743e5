"""Hooks and OpenTelemetry against the certified OP (oidc-provider): a code flow, its replayed
callback, a password grant and a wrong password each report one event and one span tree, and no
exported string or event field holds the password, client secret, code, verifier, continuation or
a token."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

from idpbridge import (
    Authenticated,
    AuthEvent,
    FinishOIDC,
    FlowError,
    Hooks,
    InvalidCredentials,
    Password,
    RedirectRequired,
    StartOIDC,
)
from idpbridge.oidc import OIDCConnector
from tests.peers import oidc_provider as op
from tests.support.logcapture import find_leaks
from tests.support.otel import exporting

from ._drive import oidc_provider_login
from .conftest import REDIRECT_URI

WRONG = f"Wr0ng-{secrets.token_hex(8)}"  # no word that could match "password" in a step name


def _tokens(result: Authenticated) -> list[str]:
    t = result.tokens
    return [x.get_secret_value() for x in (t.access_token, t.id_token, t.refresh_token) if x]


async def test_events_and_spans_of_real_logins(
    make_connector: Callable[..., OIDCConnector], op_fields: dict[str, Any]
) -> None:
    events: list[AuthEvent] = []
    conn = make_connector(**op_fields)
    conn.hooks = Hooks(on_outcome=[events.append], on_error=[events.append])
    with exporting() as otel:
        start = await conn.authenticate(StartOIDC(REDIRECT_URI))
        assert isinstance(start, RedirectRequired)
        callback = await oidc_provider_login(start.url, "alice", "alice-pass", redirect_prefix=REDIRECT_URI)
        finish = FinishOIDC(callback.params, start.continuation)
        result = await conn.authenticate(finish)
        assert isinstance(result, Authenticated)
        with pytest.raises(FlowError):  # the replayed callback
            await conn.authenticate(finish)
        password = await conn.authenticate(Password("alice", "alice-pass"))
        assert isinstance(password, Authenticated)
        with pytest.raises(InvalidCredentials):
            await conn.authenticate(Password("alice", WRONG))

    expected = [
        ("start_oidc", "oidc", "redirect_required", None),
        ("finish_oidc", "oidc", "authenticated", None),
        ("finish_oidc", "oidc", "error", "flow.reused"),
        ("password", "password", "authenticated", None),
        ("password", "password", "error", "invalid_credentials"),
    ]
    assert [(e.step, e.method, e.outcome, e.error_code) for e in events] == expected
    assert events[1].subject == result.identity.subject
    spans = otel.authenticate_spans()
    assert [
        (s.attributes["idpbridge.step"], s.attributes["idpbridge.outcome"], s.attributes.get("error.type"))
        for s in spans
    ] == [(step, outcome, code) for step, _, outcome, code in expected]
    ids = {s.context.span_id for s in spans}
    requests = [s for s in otel.finished() if "http.request.method" in s.attributes]
    assert {str(s.attributes["url.full"]).rsplit("/", 1)[-1] for s in requests} >= {"token", "jwks"}
    assert all(s.parent is not None and s.parent.span_id in ids for s in requests)

    verifier = conn.continuations.open(start.continuation).data["v"]
    planted = [
        "alice-pass",
        WRONG,
        op.CLIENT_SECRET,
        callback.params["code"][0],
        verifier,
        start.continuation.get_secret_value(),
        *_tokens(result),
        *_tokens(password),
    ]
    strings = [v for e in events for v in e.as_dict().values() if isinstance(v, str)]
    assert find_leaks(planted, [*strings, *otel.texts()]) == []
