"""OpenTelemetry spans and metrics of real logins against the sandbox, exported in memory by the SDK:
one span per ``authenticate()`` with its provider calls (HTTP and Cognito's boto3 operations) as
children, the metrics the docs promise (outcomes, errors by code, latency, discovery/JWKS cache,
JIT actions), retry counts, and no trace of a password, client secret, token, code or continuation
in any exported name, attribute, event or status."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import idpbridge
from idpbridge import Authenticated, Password, PluginError, _otel
from idpbridge.http import HttpClient, HttpPolicy, RetryPolicy
from idpbridge.jit import Migrator
from idpbridge.jit.sqlstore import SQLUserStore
from idpbridge.sandbox import Sandbox
from idpbridge.sandbox.connectors import COGNITO, OIDC
from tests.support.otel import Exported, exporting

from ._observe import Make, hostile_seed, run_journeys
from .conftest import seed_password


@pytest.fixture
def otel() -> Iterator[Exported]:
    with exporting() as exported:
        yield exported


async def test_spans_and_metrics_of_real_logins(otel: Exported, make_connector: Make) -> None:
    with Sandbox(hostile_seed()) as sandbox:
        done = await run_journeys(sandbox, make_connector)

    spans = otel.finished()
    auth = otel.authenticate_spans()
    assert [
        (
            s.attributes["idpbridge.connector"],
            s.attributes["idpbridge.step"],
            s.attributes["idpbridge.outcome"],
        )
        for s in auth
    ] == done.calls
    for s in auth:
        assert s.kind is SpanKind.INTERNAL
        assert s.attributes["idpbridge.provider"]
        assert s.attributes["idpbridge.retry_count"] == 0
        failed = s.attributes["idpbridge.outcome"] == "error"
        assert (s.status.status_code is StatusCode.ERROR) == failed == ("error.type" in s.attributes)
    assert {s.attributes.get("error.type") for s in auth} == {None, "invalid_credentials", "invalid_code"}

    # every provider call is a CLIENT child of the authenticate() span it served
    by_id = {s.context.span_id: s for s in auth}
    calls = [s for s in spans if s.kind is SpanKind.CLIENT]
    http = [s for s in calls if "http.request.method" in s.attributes]
    aws = [s for s in calls if s.attributes.get("rpc.system") == "aws-api"]
    assert len(http) + len(aws) == len(calls)
    assert http
    assert {s.attributes["rpc.method"] for s in aws} == {"InitiateAuth", "RespondToAuthChallenge"}
    for s in calls:
        assert s.parent is not None
        assert s.parent.span_id in by_id, s.name
        assert (
            s.attributes["idpbridge.connector"] == by_id[s.parent.span_id].attributes["idpbridge.connector"]
        )
    for s in http:
        url = str(s.attributes["url.full"])
        assert s.name == s.attributes["http.request.method"]
        assert url.startswith(f"http://127.0.0.1:{s.attributes['server.port']}/")
        assert "?" not in url
        assert "#" not in url
        assert isinstance(s.attributes["http.response.status_code"], int)
    wrong = [s for s in aws if s.attributes.get("error.type") == "CodeMismatchException"]
    assert len(wrong) == 1
    assert wrong[0].attributes["http.response.status_code"] == 400

    # metrics
    outcomes = otel.points("idpbridge.authenticate.outcomes")
    assert sum(v for _, v in outcomes) == len(done.calls)
    assert {(a["idpbridge.connector"], a["idpbridge.outcome"]) for a, _ in outcomes} == {
        (c, o) for c, _, o in done.calls
    }
    errors = {
        (a["idpbridge.method"], a["error.type"]): v for a, v in otel.points("idpbridge.authenticate.errors")
    }
    assert errors == {
        ("password", "invalid_credentials"): 1,
        ("totp", "invalid_credentials"): 1,
        ("email_otp", "invalid_code"): 1,
    }
    assert sum(v for _, v in otel.points("idpbridge.authenticate.duration")) == len(done.calls)
    assert sum(v for _, v in otel.points("http.client.request.duration")) == len(http)
    cache = {
        (a["idpbridge.cache.name"], a["idpbridge.cache.result"])
        for a, _ in otel.points("idpbridge.cache.lookups")
    }
    assert {("discovery", "miss"), ("discovery", "hit"), ("jwks", "miss"), ("jwks", "hit")} <= cache

    assert done.leaks(otel.texts()) == []


async def test_jit_actions_are_counted(
    otel: Exported, sandbox: Sandbox, make_connector: Make, tmp_path: Path
) -> None:
    result = await make_connector(sandbox, COGNITO).authenticate(
        Password("dave@acme.example", seed_password("dave@acme.example"))
    )
    assert isinstance(result, Authenticated)
    store = await SQLUserStore.open(tmp_path / "users.db")
    try:
        migrator = Migrator(store)
        await migrator.migrate(result)
        await migrator.migrate(result)
        await migrator.migrate(result, dry_run=True)  # decides nothing: not counted
    finally:
        await store.aclose()
    points = {a["idpbridge.jit.action"]: (a, v) for a, v in otel.points("idpbridge.jit.migrations")}
    assert {k: v for k, (_, v) in points.items()} == {"created": 1, "unchanged": 1}
    labels, _ = points["created"]
    assert labels["idpbridge.connector"] == COGNITO
    assert labels["idpbridge.provider"] == "cognito"


async def test_retries_are_counted_on_the_call_span(otel: Exported) -> None:
    answers = iter([httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"ok": True})])
    transport = httpx.MockTransport(lambda request: next(answers))

    async def no_wait(seconds: float) -> None:
        return None

    async with httpx.AsyncClient(transport=transport) as client:
        http = HttpClient(HttpPolicy(retry=RetryPolicy(attempts=3)), client, sleep=no_wait)
        response = await http.get("http://127.0.0.1:9/doc?secret=planted-query-value")
    assert response.status == 200
    (span,) = otel.finished()
    assert span.attributes["http.request.resend_count"] == 2
    assert span.attributes["http.response.status_code"] == 200
    assert span.attributes["url.full"] == "http://127.0.0.1:9/doc"
    assert "error.type" not in span.attributes


async def test_off_means_no_span_and_one_check(sandbox: Sandbox, make_connector: Make) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    idpbridge.enable_opentelemetry(tracer_provider=provider)
    idpbridge.disable_opentelemetry()
    assert _otel.STATE is None
    result = await make_connector(sandbox, OIDC).authenticate(Password("carol", seed_password("carol")))
    assert isinstance(result, Authenticated)
    assert spans.get_finished_spans() == ()


def test_without_the_api_it_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if opentelemetry-api were absent
    with pytest.raises(PluginError, match=r"idpbridge\[otel\]") as caught:
        idpbridge.enable_opentelemetry()
    assert caught.value.code == "plugin.missing_extra"
    assert _otel.STATE is None


class _TokenTrap(httpx.AsyncBaseTransport):
    """A real transport that, at the token endpoint, fails the first connection before sending
    (``"drop"``) or never answers (``"hang"``)."""

    def __init__(self, mode: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.mode = mode
        self.dropped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            if self.mode == "hang":
                await asyncio.Event().wait()
            if not self.dropped:
                self.dropped += 1
                raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_retried_request_is_counted_on_every_level(otel: Exported, sandbox: Sandbox) -> None:
    table = dict(sandbox.connector_tables()[OIDC])
    provider = table.pop("provider")
    events: list[idpbridge.AuthEvent] = []
    transport = _TokenTrap("drop")
    async with httpx.AsyncClient(transport=transport) as client:
        conn = idpbridge.connect(
            provider, http_client=client, hooks=idpbridge.Hooks(on_outcome=[events.append]), **table
        )
        async with conn:
            result = await conn.authenticate(Password("carol", seed_password("carol")))
    assert isinstance(result, Authenticated)
    assert transport.dropped == 1
    (event,) = events
    assert event.retries == 1
    (auth,) = [s for s in otel.finished() if s.name.startswith("authenticate ")]
    assert auth.attributes["idpbridge.retry_count"] == 1
    (token,) = [s for s in otel.finished() if str(s.attributes.get("url.full", "")).endswith("/token")]
    assert token.attributes["http.request.resend_count"] == 1
    assert token.attributes["http.response.status_code"] == 200


async def test_a_cancelled_call_ends_its_span_and_reports_no_event(otel: Exported, sandbox: Sandbox) -> None:
    table = dict(sandbox.connector_tables()[OIDC])
    provider = table.pop("provider")
    events: list[idpbridge.AuthEvent] = []
    hooks = idpbridge.Hooks(on_outcome=[events.append], on_error=[events.append])
    client = httpx.AsyncClient(transport=_TokenTrap("hang"))
    async with client, idpbridge.connect(provider, http_client=client, hooks=hooks, **table) as conn:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(conn.authenticate(Password("carol", seed_password("carol"))), 0.5)
    assert events == []
    (auth,) = [s for s in otel.finished() if s.name.startswith("authenticate ")]
    assert auth.attributes["error.type"] == "cancelled"
    assert auth.status.status_code is StatusCode.ERROR
    (token,) = [s for s in otel.finished() if str(s.attributes.get("url.full", "")).endswith("/token")]
    assert token.attributes["error.type"] == "cancelled"
