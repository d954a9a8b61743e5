"""Cassette scenarios shared by the OIDC-family provider packages (okta, auth0, keycloak): each
helper replays ``cassettes/<provider>/…`` through :func:`tests.support.minted.replay` and makes
the assertions every provider's version of that scenario makes.

* :func:`replayed_login` / :func:`replayed_error` — one attempt, every interaction played.
* :func:`replayed_totp_step` / :func:`answer_refused_again` — a TOTP step, and its single use.
* :func:`password_failure` / :func:`refusals` — a ``Password`` login a cassette refuses, mapped
  to one error.
* :func:`mfa_required` — a ``Password`` login that needs a second factor.
* :func:`start_code_flow` / :func:`finish_code_flow` / :func:`code_expired` — the code flow.
* :func:`wrong_password_recordable` — a wrong password, re-recordable by ``nox -s record``.
* :func:`no_secret_in_logs` — a success and a refusal, then nothing secret in logs or reprs.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest

from idpbridge import (
    Answer,
    Authenticated,
    FinishOIDC,
    FlowError,
    IdpBridgeError,
    InputRequired,
    InvalidCredentials,
    MFARequired,
    Password,
    RedirectRequired,
    StartOIDC,
)
from idpbridge.connector import Connector

from .cassettes import recording, tenant_fields
from .mfa import sealed_mfa_required
from .minted import ID_TOKEN, replay

__all__ = [
    "Refusal",
    "Tenant",
    "TotpStep",
    "answer_refused_again",
    "code_expired",
    "finish_code_flow",
    "mfa_required",
    "no_secret_in_logs",
    "password_failure",
    "refusals",
    "replayed_error",
    "replayed_login",
    "replayed_totp_step",
    "start_code_flow",
    "wrong_password_recordable",
]

E = TypeVar("E", bound=IdpBridgeError)

#: The access token the success cassettes carry.
ACCESS_TOKEN = "AT-CASSETTE-PLACEHOLDER"


async def replayed_login(
    conn: Connector[Any],
    provider: str,
    scenario: str,
    method: Any,
    *,
    values: Mapping[str, str] | None = None,
) -> Authenticated:
    """``conn.authenticate(method)`` with ``<scenario>.yaml`` (``values`` for its placeholders):
    every interaction is played and the outcome is :class:`~idpbridge.Authenticated`."""
    with replay(provider, scenario, values=values) as cas:
        result = await conn.authenticate(method)
    assert cas.all_played
    assert isinstance(result, Authenticated)
    return result


async def replayed_error(
    conn: Connector[Any],
    provider: str,
    scenario: str,
    method: Any,
    error: type[E],
    *,
    values: Mapping[str, str] | None = None,
) -> E:
    """``conn.authenticate(method)`` with ``<scenario>.yaml`` raises ``error`` once every
    interaction is played; the error."""
    with replay(provider, scenario, values=values) as cas, pytest.raises(error) as info:
        await conn.authenticate(method)
    assert cas.all_played
    return info.value


@dataclasses.dataclass(frozen=True)
class TotpStep:
    """What :func:`replayed_totp_step` saw: the step, its opened continuation's data and how many
    interactions the scenario played."""

    step: InputRequired
    sealed: dict[str, Any]
    play_count: int


async def replayed_totp_step(
    conn: Connector[Any],
    provider: str,
    scenario: str,
    method: Any,
    *,
    values: Mapping[str, str] | None = None,
) -> TotpStep:
    """``conn.authenticate(method)`` with ``<scenario>.yaml`` asks for the TOTP code: an
    :class:`~idpbridge.InputRequired` whose one field is ``totp``, sealed for the ``totp`` method."""
    with replay(provider, scenario, values=values) as cas:
        step = await conn.authenticate(method)
    assert isinstance(step, InputRequired)
    assert step.field_names == ("totp",)
    sealed = conn.continuations.open(step.continuation, method="totp").data
    return TotpStep(step, sealed, cas.play_count)


async def answer_refused_again(conn: Connector[Any], step: InputRequired, code: str) -> None:
    """A TOTP step's continuation is single-use: answering it again is ``flow.reused``."""
    with pytest.raises(FlowError) as info:
        await conn.authenticate(Answer(step.continuation, {"totp": code}))
    assert info.value.code == "flow.reused"


class Refusal(NamedTuple):
    """A cassette that refuses a ``Password`` login, and the error it must map to."""

    cassette: str
    expected: type[IdpBridgeError]
    code: str
    provider_code: str | None


def refusals(*rows: tuple[str, type[IdpBridgeError], str, str | None]) -> list[Any]:
    """``pytest.param`` s of :class:`Refusal` rows, each with the id pytest gives the plain tuple."""
    return [pytest.param(Refusal(*row), id=f"{row[0]}-{row[1].__name__}-{row[2]}-{row[3]}") for row in rows]


async def password_failure(
    conn: Connector[Any], provider: str, row: Refusal, username: str, password: str = "Wr0ng-Passw0rd"
) -> IdpBridgeError:
    """``row.cassette`` answers a ``Password`` login with ``row.expected`` (exactly that class), its
    ``code`` and ``provider_code``; every interaction is played and the error shows no password
    and no HTML."""
    with replay(provider, row.cassette) as cas, pytest.raises(row.expected) as info:
        await conn.authenticate(Password(username, password))
    assert cas.all_played
    err = info.value
    assert type(err) is row.expected
    assert err.code == row.code
    assert err.provider_code == row.provider_code
    assert err.connector == provider
    assert password not in str(err)
    assert "<html" not in str(err).lower()
    return err


async def mfa_required(conn: Connector[Any], provider: str, username: str) -> MFARequired:
    """``mfa_required.yaml`` (its ``REDACTED-MFA-TOKEN`` restored) answers a ``Password`` login
    as :func:`tests.support.mfa.sealed_mfa_required` requires."""
    mfa_token = f"{provider}-mfa-token-from-the-cassette-0001"
    with replay(provider, "mfa_required", values={"REDACTED-MFA-TOKEN": mfa_token}):
        err, _ = await sealed_mfa_required(conn, username, "correct-horse", mfa_token)
    return err


async def start_code_flow(
    conn: Connector[Any], provider: str, redirect_uri: str, **start: Any
) -> tuple[RedirectRequired, str, dict[str, str]]:
    """``StartOIDC`` with ``discovery.yaml``: the redirect, the authorization endpoint it points
    at (no query) and its query parameters (PKCE is always S256)."""
    with replay(provider, "discovery"):
        redirect = await conn.authenticate(StartOIDC(redirect_uri, **start))
    assert isinstance(redirect, RedirectRequired)
    url = urlsplit(redirect.url)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["code_challenge_method"] == "S256"
    return redirect, f"{url.scheme}://{url.netloc}{url.path}", params


async def finish_code_flow(
    conn: Connector[Any],
    provider: str,
    start: RedirectRequired,
    callback: Mapping[str, str],
    values: Mapping[str, str],
) -> Authenticated:
    """``FinishOIDC`` with ``code_success.yaml`` (``values`` for its placeholders), every
    interaction played; the outcome must be :class:`~idpbridge.Authenticated`."""
    return await replayed_login(
        conn, provider, "code_success", FinishOIDC(dict(callback), start.continuation), values=values
    )


async def code_expired(
    conn: Connector[Any], provider: str, redirect_uri: str, *, error: type[IdpBridgeError], **callback: str
) -> None:
    """A spent code (``code_expired.yaml``) finishes the code flow with ``error``; ``callback``
    adds parameters (``iss``) to the callback."""
    start, _, params = await start_code_flow(conn, provider, redirect_uri)
    with replay(provider, "code_expired"), pytest.raises(error):
        await conn.authenticate(
            FinishOIDC({"code": "spent", "state": params["state"], **callback}, start.continuation)
        )


@dataclasses.dataclass(frozen=True)
class Tenant:
    """A provider's cassette tenant, as :func:`wrong_password_recordable` and
    :func:`no_secret_in_logs` need it: the user, the password-success and wrong-password
    scenarios, and for ``nox -s record`` the connector fields' environment variables (field ->
    variable; ``defaults`` for those that may be unset)."""

    provider: str
    username: str
    success: str
    refusal: str
    recorded: Mapping[str, str]
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)


async def wrong_password_recordable(
    make: Callable[..., Connector[Any]], tenant: Tenant, replayed: Mapping[str, Any]
) -> None:
    """A wrong password: replayed (``tenant.refusal``) with ``replayed`` fields and
    ``tenant.username``; when ``nox -s record`` re-records the provider, the fields come from
    ``tenant.recorded`` and the user from ``<PROVIDER>_USERNAME`` / ``<PROVIDER>_PASSWORD``."""
    provider, username, password = tenant.provider, tenant.username, "Wr0ng-Passw0rd"
    fields = tenant_fields(provider, tenant.recorded, replayed, defaults=tenant.defaults)
    if recording(provider):
        fields["methods"] = ["password"]
        prefix = provider.upper()
        username, password = os.environ[f"{prefix}_USERNAME"], os.environ[f"{prefix}_PASSWORD"] + "-wrong"
    conn = make(**fields)
    with (
        replay(provider, tenant.refusal, match_on=("method", "path")) as cas,
        pytest.raises(InvalidCredentials),
    ):
        await conn.authenticate(Password(username, password))
    assert cas.play_count == 2 or recording(provider)


async def no_secret_in_logs(
    make: Callable[..., Connector[Any]],
    tenant: Tenant,
    fields: Mapping[str, Any],
    values: Mapping[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``tenant.success`` then ``tenant.refusal`` replayed with DEBUG logging (``values`` for the
    success's placeholders): the transport logged the exchange, yet neither the logs nor the reprs
    of the result, its tokens, the connector or its config show the password, client secret, ID
    token or access token."""
    caplog.set_level(logging.DEBUG)
    provider, username, password = tenant.provider, tenant.username, "correct-horse-battery"
    conn = make(**fields)
    with replay(provider, tenant.success, values=values):
        result = await conn.authenticate(Password(username, password))
    assert isinstance(result, Authenticated)
    with replay(provider, tenant.refusal), pytest.raises(InvalidCredentials):
        await make(**fields).authenticate(Password(username, password))
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))  # vcrpy's own
    assert "POST" in logged  # the transport did log the exchange
    shown = logged + repr(result) + repr(result.tokens) + repr(conn) + repr(conn.config)
    secrets: Iterable[str] = (password, fields["client_secret"], values[ID_TOKEN], ACCESS_TOKEN)
    for secret in secrets:
        assert secret not in shown
