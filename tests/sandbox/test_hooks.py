"""Event hooks (``idpbridge.Hooks``) across real logins against the sandbox: every call reports one
redacted event, in order, for single- and multi-step flows, typed errors included; sync and async
hooks; per connector and process-wide; through the sync facade; a raising hook never breaks the
login; and nothing runs at all while no hook is registered."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import idpbridge
from idpbridge import (
    Authenticated,
    AuthEvent,
    Hooks,
    InvalidCredentials,
    InvalidRequest,
    Password,
    _events,
    connect,
)
from idpbridge.sandbox import Sandbox
from idpbridge.sandbox.connectors import KEYCLOAK, OIDC
from tests.support.logcapture import capture_all_logs, find_leaks

from ._observe import PASSWORD, Make, hostile_seed, run_journeys
from .conftest import seed_password


@pytest.fixture(autouse=True)
def no_global_hooks() -> Iterator[None]:
    assert not idpbridge.hooks
    yield
    idpbridge.hooks.clear()


def texts(events: list[AuthEvent]) -> list[str]:
    """Every string an event carries, and its repr (numbers left out: a 6-digit code could match)."""
    out: list[str] = []
    for e in events:
        out.append(repr(e.step) + repr(e.connector))
        out += [v for v in e.as_dict().values() if isinstance(v, str)]
    return out


async def test_every_call_reports_one_redacted_event(make_connector: Make) -> None:
    seen: list[AuthEvent] = []
    errors: list[AuthEvent] = []

    async def async_hook(event: AuthEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event)

    with Sandbox(hostile_seed()) as sandbox:

        def make(server: Sandbox, name: str, **overrides: Any) -> Any:
            conn = make_connector(server, name, **overrides)
            conn.hooks.on_outcome(async_hook)  # a coroutine function
            conn.hooks.on_error(errors.append)  # a plain function
            return conn

        done = await run_journeys(sandbox, make)

    events = sorted([*seen, *errors], key=lambda e: e.started_at)
    assert [(e.connector, e.step, e.outcome) for e in events] == done.calls
    assert all(e.ok for e in seen)
    assert all(not e.ok for e in errors)
    for e in events:
        assert e.provider
        assert e.duration >= 0
        assert e.retries == 0
        assert (e.subject is not None) == (e.outcome == "authenticated") == (e.issuer is not None)
    assert [(e.step, e.method, e.error_code, e.error_type) for e in errors] == [
        ("password", "password", "invalid_credentials", "InvalidCredentials"),
        ("answer", "totp", "invalid_credentials", "InvalidCredentials"),  # method from the continuation
        ("verify_otp", "email_otp", "invalid_code", "InvalidCode"),
    ]
    assert errors[-1].provider_code == "CodeMismatchException"
    multi = [(e.step, e.method, e.outcome) for e in events if e.connector.endswith("cognito")]
    assert multi[1:] == [
        ("start_otp", "email_otp", "code_sent"),
        ("verify_otp", "email_otp", "error"),
        ("verify_otp", "email_otp", "authenticated"),
    ]
    json.dumps([e.as_dict() for e in events])  # JSON-ready
    assert done.leaks(texts(events)) == []


async def test_a_raising_hook_never_breaks_the_login(sandbox: Sandbox, make_connector: Make) -> None:
    def broken(event: AuthEvent) -> None:
        raise RuntimeError(f"analytics down; password={PASSWORD}")

    async def broken_async(event: AuthEvent) -> None:
        raise ValueError(f"client_secret={PASSWORD}")

    after: list[AuthEvent] = []
    conn = make_connector(sandbox, OIDC)
    conn.hooks = Hooks(on_outcome=[broken, broken_async, after.append], on_error=[broken, after.append])
    with capture_all_logs() as logs:
        result = await conn.authenticate(Password("carol", seed_password("carol")))
        assert isinstance(result, Authenticated)
        with pytest.raises(InvalidCredentials):  # the original error, not the hook's
            await conn.authenticate(Password("carol", "wrong-password"))
    assert [e.outcome for e in after] == ["authenticated", "error"]  # later hooks still ran
    warnings = [r for r in logs.records if r.name == "idpbridge.hooks" and r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert warnings[0].getMessage().endswith("failed: RuntimeError")
    assert find_leaks([PASSWORD], logs.texts) == []


async def test_process_wide_hooks_run_first_and_can_be_removed(
    sandbox: Sandbox, make_connector: Make
) -> None:
    order: list[str] = []

    def everywhere(event: AuthEvent) -> None:
        order.append(f"global:{event.connector}")

    def mine(event: AuthEvent) -> None:
        order.append(f"own:{event.connector}")

    idpbridge.hooks.on_outcome(everywhere)
    first, second = make_connector(sandbox, OIDC), make_connector(sandbox, "sandbox-keycloak")
    first.hooks.on_outcome(mine)
    await first.authenticate(Password("carol", seed_password("carol")))
    await second.authenticate(Password("alice", seed_password("alice")))
    assert order == ["global:sandbox-oidc", "own:sandbox-oidc", "global:sandbox-keycloak"]
    idpbridge.hooks.remove(everywhere)
    first.hooks.remove(mine)
    await first.authenticate(Password("carol", seed_password("carol")))
    assert len(order) == 3


async def test_nothing_runs_while_no_hook_is_registered(
    sandbox: Sandbox, make_connector: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = make_connector(sandbox, OIDC)
    gc.collect()  # connectors of earlier tests whose hooks were registered (reference cycles)
    assert _events.ENABLED is False

    async def must_not_run(connector: Any, request: Any, call: Any) -> Any:
        call.close()
        raise AssertionError("observe() ran with nothing observing")

    monkeypatch.setattr(_events, "observe", must_not_run)
    assert isinstance(await conn.authenticate(Password("carol", seed_password("carol"))), Authenticated)
    conn.hooks.on_outcome(print)
    assert _events.ENABLED is True
    with pytest.raises(AssertionError, match="nothing observing"):
        await conn.authenticate(Password("carol", seed_password("carol")))
    conn.hooks.clear()
    assert _events.ENABLED is False


def test_hooks_through_the_sync_facade(sandbox: Sandbox) -> None:
    table = dict(sandbox.connector_tables()[OIDC])
    provider = table.pop("provider")
    seen: list[AuthEvent] = []

    async def async_hook(event: AuthEvent) -> None:
        seen.append(event)

    with connect(provider, name="blocking", sync=True, hooks=Hooks(on_outcome=[async_hook]), **table) as conn:
        conn.hooks.on_error(seen.append)  # the wrapped connector's hooks, through the facade
        assert isinstance(conn.authenticate(Password("carol", seed_password("carol"))), Authenticated)
        with pytest.raises(InvalidCredentials):
            conn.authenticate(Password("carol", "wrong-password"))
    assert [(e.connector, e.outcome, e.error_code) for e in seen] == [
        ("blocking", "authenticated", None),
        ("blocking", "error", "invalid_credentials"),
    ]


def test_hooks_refuse_what_cannot_be_called() -> None:
    with pytest.raises(TypeError, match="callable"):
        Hooks().on_outcome("not a function")  # type: ignore[arg-type]


async def test_a_request_that_is_not_one_is_reported_as_its_typed_error(
    sandbox: Sandbox, make_connector: Make
) -> None:
    seen: list[AuthEvent] = []
    conn = make_connector(sandbox, OIDC)
    conn.hooks.on_error(seen.append)
    with pytest.raises(InvalidRequest):
        await conn.authenticate("carol:password")  # type: ignore[arg-type]
    (event,) = seen
    assert (event.step, event.method, event.error_code) == ("str", None, "request.invalid")


async def test_load_shares_one_hooks_object(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "idpbridge.toml"
    path.write_text(sandbox.connectors_toml())
    seen: list[str] = []
    shared = Hooks(on_outcome=[lambda event: seen.append(event.connector)])
    async with idpbridge.load(path, hooks=shared) as connectors:
        assert all(c.hooks is shared for c in connectors.values())
        await connectors[OIDC].authenticate(Password("carol", seed_password("carol")))
        await connectors[KEYCLOAK].authenticate(Password("alice", seed_password("alice")))
    assert seen == [OIDC, KEYCLOAK]


def test_the_sync_facade_replaces_the_connectors_hooks(sandbox: Sandbox) -> None:
    table = dict(sandbox.connector_tables()[OIDC])
    provider = table.pop("provider")
    seen: list[AuthEvent] = []
    with connect(provider, sync=True, **table) as facade:
        facade.hooks = Hooks(on_outcome=[seen.append])
        assert facade.connector.hooks is facade.hooks
        facade.authenticate(Password("carol", seed_password("carol")))
    assert [e.outcome for e in seen] == ["authenticated"]


def test_step_and_outcome_names() -> None:
    from idpbridge import (
        TOTP,
        Answer,
        CodeSent,
        DeviceCodeIssued,
        ExternalToken,
        FinishOIDC,
        FinishSAML,
        InputRequired,
        PostRequired,
        RedirectRequired,
        StartOTP,
        VerifyOTP,
    )

    names = [
        _events.snake(k)
        for k in (TOTP, Answer, ExternalToken, FinishOIDC, FinishSAML, StartOTP, VerifyOTP, Password)
    ]
    assert names == [
        "totp",
        "answer",
        "external_token",
        "finish_oidc",
        "finish_saml",
        "start_otp",
        "verify_otp",
        "password",
    ]
    outcomes = [
        _events.snake(k) for k in (CodeSent, DeviceCodeIssued, InputRequired, PostRequired, RedirectRequired)
    ]
    assert outcomes == [
        "code_sent",
        "device_code_issued",
        "input_required",
        "post_required",
        "redirect_required",
    ]
