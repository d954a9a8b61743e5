"""The Connector base: routing, refusals, continuations on resume, error stamping, lifecycle."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import idpbridge
from idpbridge import (
    TOTP,
    Answer,
    Authenticated,
    CheckReport,
    ConfigurationError,
    ContinuationKeys,
    ExternalToken,
    FinishOIDC,
    FlowError,
    InvalidCredentials,
    Method,
    Password,
    RedirectRequired,
    StartOIDC,
    StartOTP,
    VerifyOTP,
)
from idpbridge.registry import Registry

from ._support import CLIENT_SECRET, DemoConnector, token_handler


def demo(registry: Registry, handler: Any = None, **changes: Any) -> DemoConnector:
    captured: list[httpx.Request] = []
    transport = httpx.MockTransport(handler or token_handler(captured))
    keys = changes.pop("keys", None) or ContinuationKeys.generate()
    fields = {
        "domain": "idp.example.com",
        "client_id": "demo-client",
        "client_secret": CLIENT_SECRET,
        **changes,
    }
    connector = idpbridge.connect(
        "demo",
        registry=registry,
        http_client=httpx.AsyncClient(transport=transport),
        continuation_keys=keys,
        **fields,
    )
    assert isinstance(connector, DemoConnector)
    return connector


async def test_password_goes_through_the_http_policy(registry: Registry) -> None:
    captured: list[httpx.Request] = []
    connector = demo(registry, token_handler(captured))
    result = await connector.authenticate(Password("jane@example.com", "pw"))
    assert isinstance(result, Authenticated)
    assert result.identity.subject == "u-1"
    assert result.tokens.access_token is not None
    [request] = captured
    assert request.url == "https://idp.example.com/oauth2/token"
    assert request.headers["authorization"].startswith("Basic ")


async def test_errors_are_stamped_with_the_instance_name(registry: Registry) -> None:
    handler = token_handler([], status=400, body={"error": "invalid_grant"})
    connector = demo(registry, handler)
    with pytest.raises(InvalidCredentials) as caught:
        await connector.authenticate(Password("jane@example.com", "wrong"))
    assert caught.value.connector == "demo"
    assert caught.value.provider_code == "invalid_grant"
    assert "[connector: demo]" in str(caught.value)


async def test_oidc_round_trip_through_a_continuation(registry: Registry) -> None:
    connector = demo(registry)
    redirect = await connector.authenticate(StartOIDC("https://app.example/cb"))
    assert isinstance(redirect, RedirectRequired)
    state = redirect.url.split("state=")[1]
    result = await connector.authenticate(FinishOIDC({"state": state, "code": "c"}, redirect.continuation))
    assert isinstance(result, Authenticated)
    with pytest.raises(FlowError) as caught:
        await connector.authenticate(FinishOIDC({"state": "forged", "code": "c"}, redirect.continuation))
    assert caught.value.code == "flow.state_mismatch"
    assert caught.value.connector == "demo"


async def test_resuming_with_a_continuation_of_another_method(registry: Registry) -> None:
    connector = demo(registry)
    token, _ = connector.seal(Method.PASSWORD, {"step": "totp"})
    with pytest.raises(FlowError) as caught:
        await connector.authenticate(FinishOIDC({"state": "s"}, token))
    assert caught.value.code == "flow.wrong_method"
    with pytest.raises(FlowError) as caught:
        await connector.authenticate(VerifyOTP("123456", token))
    assert caught.value.code == "flow.wrong_method"


async def test_resuming_with_garbage(registry: Registry) -> None:
    connector = demo(registry)
    with pytest.raises(FlowError) as caught:
        await connector.authenticate(Answer("v1.garbage", {"totp": "123456"}))
    assert caught.value.code == "flow.malformed"


async def test_resuming_on_another_instance(registry: Registry) -> None:
    keys = ContinuationKeys.generate()
    first = demo(registry, keys=keys)
    second = idpbridge.connect(
        "demo", name="demo-2", registry=registry, continuation_keys=keys,
        domain="d.example", client_id="c", client_secret="s",
    )  # fmt: skip
    redirect = await first.authenticate(StartOIDC("https://app.example/cb"))
    with pytest.raises(FlowError) as caught:
        await second.authenticate(FinishOIDC({"state": "x"}, redirect.continuation))
    assert caught.value.code == "flow.wrong_connector"


@pytest.mark.parametrize(
    "request_obj",
    [
        StartOTP("jane", "email"),
        TOTP("jane", "123456"),
        ExternalToken("eyJhbGciOiJub25lIn0.e30."),
    ],
)
async def test_methods_the_connector_does_not_offer(registry: Registry, request_obj: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        await demo(registry).authenticate(request_obj)
    assert caught.value.code == "config.method_not_enabled"
    assert caught.value.field == "methods"


async def test_hooks_the_subclass_did_not_implement(registry: Registry) -> None:
    from ._support import NarrowConnector

    narrow = NarrowConnector(methods=["password"])
    with pytest.raises(ConfigurationError) as caught:
        await narrow.authenticate(Password("jane", "pw"))
    assert caught.value.code == "config.method_not_supported"
    assert caught.value.connector == "narrow"


async def test_not_a_request(registry: Registry) -> None:
    with pytest.raises(TypeError, match="not an idpbridge request"):
        await demo(registry).authenticate("jane:pw")  # type: ignore[arg-type]


async def test_check_report(registry: Registry) -> None:
    report = await demo(registry).check()
    assert isinstance(report, CheckReport)
    assert report.ok
    assert report.as_dict()["results"][0]["name"] == "configuration"
    assert report.as_dict()["provider"] == "demo"


async def test_context_manager_closes_the_owned_client(registry: Registry) -> None:
    connector = idpbridge.connect(
        "demo", registry=registry, domain="d.example", client_id="c", client_secret="s"
    )
    async with connector:
        client = connector.http.client  # created lazily
    assert client.is_closed


async def test_injected_client_is_left_open(registry: Registry) -> None:
    injected = httpx.AsyncClient(transport=httpx.MockTransport(token_handler([])))
    connector = idpbridge.connect(
        "demo", registry=registry, http_client=injected, domain="d.example", client_id="c", client_secret="s"
    )
    async with connector:
        await connector.authenticate(Password("jane", "pw"))
    assert not injected.is_closed
    await injected.aclose()


def test_repr(registry: Registry) -> None:
    assert repr(demo(registry, methods=["oidc"])) == "<DemoConnector 'demo' methods=oidc>"


async def test_config_continuation_keys_are_used(registry: Registry) -> None:
    key = ContinuationKeys.new_key()
    fields = {"domain": "d.example", "client_id": "c", "client_secret": "s", "continuation_keys": [key]}
    a = idpbridge.connect("demo", registry=registry, **fields)
    b = idpbridge.connect("demo", registry=registry, **fields)
    redirect = await a.authenticate(StartOIDC("https://app.example/cb"))
    assert b.continuations.open(redirect.continuation).method == "oidc"
    assert key not in repr(a.config)
