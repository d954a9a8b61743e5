"""The Connector base: routing, refusals, continuations on resume, error stamping, lifecycle."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import SecretStr

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
    OTPChannel,
    Outcome,
    Password,
    RedirectRequired,
    StartOIDC,
    StartOTP,
    VerifyOTP,
)
from idpbridge.continuation import Continuation
from idpbridge.kit import Connector, ConnectorConfig
from idpbridge.methods import InvalidRequest
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


@pytest.mark.parametrize("not_a_request", ["jane:pw", None, 42, {"username": "jane"}, Method.PASSWORD])
async def test_not_a_request(registry: Registry, not_a_request: Any) -> None:
    with pytest.raises(InvalidRequest, match="not an idpbridge request") as caught:
        await demo(registry).authenticate(not_a_request)
    assert caught.value.code == "request.invalid"
    assert isinstance(caught.value, ConfigurationError)
    assert isinstance(caught.value, TypeError)  # what it raised before: callers catching that still work
    assert caught.value.connector == "demo"


class AllConfig(ConnectorConfig):
    supported_methods: ClassVar[frozenset[Method]] = frozenset(Method)


class AllMethods(Connector[AllConfig]):
    """Offers every method; each resuming hook records that it was reached."""

    name = "all"
    title = "All methods"
    methods = frozenset(Method)
    Config = AllConfig

    async def finish_oidc(self, request: FinishOIDC, continuation: Continuation) -> Outcome:
        raise Reached(f"finish_oidc:{continuation.method}")

    async def verify_otp(self, request: VerifyOTP, continuation: Continuation) -> Outcome:
        raise Reached(f"verify_otp:{continuation.method}")

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        raise Reached(f"answer:{continuation.method}")


class Reached(Exception):
    pass


RESUMING: dict[str, Any] = {
    "finish_oidc": lambda cont: FinishOIDC({"state": "s", "code": "c"}, cont),
    "verify_otp": lambda cont: VerifyOTP("123456", cont),
    "answer": lambda cont: Answer(cont, {"totp": "123456"}),
}
# Which continuations each resuming request accepts; every other pairing is flow.wrong_method.
ACCEPTS = {
    "finish_oidc": {Method.OIDC},
    "verify_otp": {Method.EMAIL_OTP, Method.SMS_OTP},
    "answer": {Method.PASSWORD, Method.TOTP, Method.EMAIL_OTP, Method.SMS_OTP},
}


@pytest.mark.parametrize("sealed_for", list(Method), ids=str)
@pytest.mark.parametrize("request_kind", sorted(RESUMING))
async def test_each_resuming_request_opens_only_its_own_methods_continuations(
    request_kind: str, sealed_for: Method
) -> None:
    connector = AllMethods()
    token, _ = connector.seal(sealed_for, {"step": 1})
    request_obj = RESUMING[request_kind](token)
    if sealed_for in ACCEPTS[request_kind]:
        with pytest.raises(Reached, match=f"^{request_kind}:{sealed_for.value}$"):
            await connector.authenticate(request_obj)
    else:
        with pytest.raises(FlowError) as caught:
            await connector.authenticate(request_obj)
        assert caught.value.code == "flow.wrong_method"
        assert caught.value.connector == "all"


async def test_an_oidc_continuation_given_to_answer_is_refused(registry: Registry) -> None:
    connector = demo(registry)
    redirect = await connector.authenticate(StartOIDC("https://app.example/cb"))
    assert isinstance(redirect, RedirectRequired)
    with pytest.raises(FlowError) as caught:
        await connector.authenticate(Answer(redirect.continuation, {"code": "x"}))
    assert caught.value.code == "flow.wrong_method"


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


# -- requests are checked when they are built ------------------------------------------------------

BAD_CONTINUATIONS = [42, b"v1.bytes", {"c": "x"}, None, ["v1.x"], 3.5]


@pytest.mark.parametrize("bad", BAD_CONTINUATIONS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize(
    "build",
    [
        lambda c: FinishOIDC({"state": "s"}, c),
        lambda c: VerifyOTP("123456", c),
        lambda c: Answer(c, {"totp": "1"}),
    ],
    ids=["FinishOIDC", "VerifyOTP", "Answer"],
)
def test_a_continuation_that_is_not_a_string_is_malformed(build: Any, bad: Any) -> None:
    with pytest.raises(FlowError) as caught:
        build(bad)
    assert caught.value.code == "flow.malformed"
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: FinishOIDC(None, "v1.x"), "callback_params"),  # type: ignore[arg-type]
        (lambda: FinishOIDC("code=c&state=s", "v1.x"), "callback_params"),  # type: ignore[arg-type]
        (lambda: FinishOIDC({"code": 123}, "v1.x"), "callback_params"),
        (lambda: FinishOIDC({1: "c"}, "v1.x"), "callback_params"),
        (lambda: Password(None, "pw"), "username"),  # type: ignore[arg-type]
        (lambda: Password(b"jane", "pw"), "username"),  # type: ignore[arg-type]
        (lambda: Password("jane", 12345), "password"),  # type: ignore[arg-type]
        (lambda: Password("jane", None), "password"),  # type: ignore[arg-type]
        (lambda: TOTP("jane", 123456), "code"),  # type: ignore[arg-type]
        (lambda: TOTP(["jane"], "123456"), "username"),  # type: ignore[arg-type]
        (lambda: TOTP("jane", "123456", password=1), "password"),  # type: ignore[arg-type]
        (lambda: StartOTP("jane", "fax"), "channel"),  # type: ignore[arg-type]
        (lambda: StartOTP("jane", Method.EMAIL_OTP), "channel"),
        (lambda: StartOTP("jane", None), "channel"),  # type: ignore[arg-type]
        (lambda: StartOTP(7, "email"), "username"),  # type: ignore[arg-type]
        (lambda: VerifyOTP(None, "v1.x"), "code"),  # type: ignore[arg-type]
        (lambda: Answer("v1.x", None), "values"),  # type: ignore[arg-type]
        (lambda: Answer("v1.x", {"totp": 123456}), "values"),
        (lambda: Answer("v1.x", ["totp"]), "values"),  # type: ignore[arg-type]
        (lambda: StartOIDC(None), "redirect_uri"),  # type: ignore[arg-type]
        (lambda: StartOIDC("https://app/cb", scopes=5), "scopes"),  # type: ignore[arg-type]
        (lambda: StartOIDC("https://app/cb", scopes=["openid", 5]), "scopes"),  # type: ignore[list-item]
        (lambda: StartOIDC("https://app/cb", acr_values={"a": 1}), "acr_values"),  # type: ignore[arg-type]
        (lambda: StartOIDC("https://app/cb", prompt=1), "prompt"),  # type: ignore[arg-type]
        (lambda: StartOIDC("https://app/cb", claims=["x"]), "claims"),  # type: ignore[arg-type]
        (lambda: StartOIDC("https://app/cb", extra_params={"x": 1}), "extra_params"),
        (lambda: StartOIDC("https://app/cb", extra_params=None), "extra_params"),  # type: ignore[arg-type]
        (lambda: ExternalToken(None), "token"),  # type: ignore[arg-type]
        (lambda: ExternalToken("eyJ.e30.", username=5), "username"),  # type: ignore[arg-type]
    ],
)
def test_request_fields_of_the_wrong_type_are_invalid_requests(build: Any, field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        build()
    assert caught.value.code == "request.invalid"
    assert caught.value.field == field
    assert isinstance(caught.value, ConfigurationError)
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Answer("v1.x"),  # type: ignore[call-arg]
        lambda: Answer(values={"totp": "1"}),  # type: ignore[call-arg]
        lambda: Password("jane"),  # type: ignore[call-arg]
        lambda: Password("jane", "pw", "extra"),  # type: ignore[call-arg]
        lambda: TOTP(username="jane", cod="1"),  # type: ignore[call-arg]
        lambda: FinishOIDC({"state": "s"}),  # type: ignore[call-arg]
        VerifyOTP,
        lambda: StartOTP("jane"),  # type: ignore[call-arg]
        StartOIDC,
        ExternalToken,
    ],
)
def test_missing_or_unexpected_arguments_are_invalid_requests(build: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        build()
    assert caught.value.code == "request.invalid"
    assert "redacted" not in str(caught.value)


def test_well_formed_requests_still_build() -> None:
    assert FinishOIDC({"code": ["c"], "state": ("s",)}, SecretStr("v1.x")).callback_params["code"] == ["c"]
    assert StartOTP("jane", "sms").channel is OTPChannel.SMS
    assert StartOIDC("https://app/cb", scopes=("openid", "email")).scopes == ("openid", "email")
    assert TOTP("jane", "123456", None).password is None
    assert Answer("v1.x", {"totp": SecretStr("1")}).values["totp"].get_secret_value() == "1"


class _FutureHook(AllMethods):
    """A hook written as a plain method returning a Future (any awaitable is allowed)."""

    def totp(self, request: TOTP) -> Any:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        future.set_exception(Reached(f"totp:{request.username}"))
        return future


async def test_a_hook_returning_another_awaitable_is_awaited_under_the_deadline() -> None:
    with pytest.raises(Reached, match=r"^totp:jane$"):
        await _FutureHook().authenticate(TOTP("jane", "123456"))


async def test_a_refused_request_is_stamped_before_any_hook_runs() -> None:
    # Routing checks run when the call is routed (not inside the hook's coroutine): their errors
    # still carry the instance name.
    connector = AllMethods(methods=["password"])
    with pytest.raises(ConfigurationError) as caught:
        await connector.authenticate(TOTP("jane", "123456"))
    assert caught.value.code == "config.method_not_enabled"
    assert caught.value.connector == "all"
