"""The blocking facade: plain sync code, other threads, inside a running loop, clean close."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

import idpbridge
from idpbridge import (
    Authenticated,
    ConfigurationError,
    ContinuationKeys,
    ExpiredCode,
    InputRequired,
    InvalidCredentials,
    Method,
    Password,
    SyncConnector,
    TokenSet,
    TokenValidationError,
)
from idpbridge.registry import Registry
from tests.peers import oidc_provider as op

from ._support import CLIENT_SECRET, DemoConnector, token_handler

PASSWORD = "correct horse battery staple"


def sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "idpbridge-sync"]


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    before = len(sync_threads())
    yield
    assert len(sync_threads()) == before, "a SyncConnector left its loop thread running"


def test_connect_sync_from_plain_code() -> None:
    with idpbridge.connect("example", sync=True, continuation_keys=ContinuationKeys.generate()) as example:
        assert isinstance(example, SyncConnector)
        result = example.authenticate(Password("jane@example.com", PASSWORD))
        assert isinstance(result, Authenticated)
        assert result.identity.subject == "u-1001"
        with pytest.raises(InvalidCredentials):
            example.authenticate(Password("jane@example.com", "wrong"))
        assert example.check().ok
        assert example.instance_name == "example"  # attributes pass through
        assert repr(example) == "SyncConnector(<ExampleConnector 'example' methods=password>)"


def test_many_threads_share_one_facade() -> None:
    example = idpbridge.connect("example", continuation_keys=ContinuationKeys.generate()).sync()

    def login(i: int) -> str:
        user = "jane@example.com" if i % 2 else "mfa@example.com"
        result = example.authenticate(Password(user, PASSWORD))
        return type(result).__name__

    with ThreadPoolExecutor(max_workers=8) as pool:
        kinds = list(pool.map(login, range(32)))
    example.close()
    assert kinds.count("Authenticated") == 16
    assert kinds.count(InputRequired.__name__) == 16


def test_used_from_a_thread_that_is_not_the_creator() -> None:
    holder: dict[str, object] = {}
    example = idpbridge.connect("example", sync=True)

    def run() -> None:
        holder["result"] = example.authenticate(Password("jane@example.com", PASSWORD))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    example.close()
    assert isinstance(holder["result"], Authenticated)


async def test_usable_even_inside_a_running_event_loop() -> None:
    # blocking, but correct: the facade runs its own loop on its own thread
    example = idpbridge.connect("example", sync=True)
    try:
        assert isinstance(example.authenticate(Password("jane@example.com", PASSWORD)), Authenticated)
    finally:
        example.close()
    assert asyncio.get_running_loop().is_running()


def test_close_is_clean_and_closes_the_owned_http_client(registry: Registry) -> None:
    with respx.mock(assert_all_called=True) as router:
        router.post("https://idp.example.com/oauth2/token").mock(side_effect=token_handler([]))
        connector = idpbridge.connect(
            "demo", registry=registry, domain="idp.example.com", client_id="c", client_secret=CLIENT_SECRET
        )
        assert isinstance(connector, DemoConnector)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            facade = connector.sync()
            assert isinstance(facade.authenticate(Password("jane", "pw")), Authenticated)
            client = connector.http.client
            assert sync_threads()
            facade.close()
            facade.close()  # idempotent
            gc.collect()
        assert client.is_closed
        assert not [w for w in caught if issubclass(w.category, ResourceWarning | RuntimeWarning)]


def test_closing_an_unused_facade() -> None:
    example = idpbridge.connect("example", sync=True)
    example.close()
    assert not sync_threads()


def test_reusable_after_close() -> None:
    example = idpbridge.connect("example", sync=True)
    example.authenticate(Password("jane@example.com", PASSWORD))
    example.close()
    assert isinstance(example.authenticate(Password("jane@example.com", PASSWORD)), Authenticated)
    example.close()


def test_injected_client_survives_close(registry: Registry) -> None:
    injected = httpx.AsyncClient(transport=httpx.MockTransport(token_handler([])))
    facade = idpbridge.connect(
        "demo",
        sync=True,
        registry=registry,
        http_client=injected,
        domain="idp.example.com",
        client_id="c",
        client_secret=CLIENT_SECRET,
    )
    facade.authenticate(Password("jane", "pw"))
    facade.close()
    assert not injected.is_closed
    asyncio.run(injected.aclose())


class FailingClose(DemoConnector):
    async def aclose(self) -> None:
        await super().aclose()
        raise RuntimeError("close failed")


def test_loop_thread_stops_even_when_aclose_fails() -> None:
    facade = FailingClose(domain="idp.example.com", client_id="c", client_secret=CLIENT_SECRET).sync()
    assert facade.check().ok  # starts the loop thread
    with pytest.raises(RuntimeError, match="close failed"):
        facade.close()
    assert not sync_threads()


# -- every operation is explicit and blocking (no coroutine leaks through the facade) ------------


@pytest.fixture
def op_facade(oidc_provider: op.OIDCProviderPeer) -> Iterator[SyncConnector]:
    facade = idpbridge.connect(
        "oidc",
        sync=True,
        continuation_keys=ContinuationKeys.generate(),
        issuer=oidc_provider.issuer,
        client_id=op.CLIENT_ID,
        client_secret=op.CLIENT_SECRET,
        methods=["oidc", "password", "token"],
        scopes=["openid", "email", "profile", "offline_access"],
    )
    assert isinstance(facade, SyncConnector)
    with facade:
        yield facade


def test_refresh_blocks_and_returns_a_token_set(op_facade: SyncConnector) -> None:
    result = op_facade.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    assert result.tokens.refresh_token is not None
    refreshed = op_facade.refresh(result.tokens.refresh_token, subject="alice")
    assert isinstance(refreshed, TokenSet)
    assert refreshed.access_token is not None
    assert refreshed.id_token is not None
    # The peer rotates refresh tokens: the next refresh must use the new one.
    assert refreshed.refresh_token is not None
    with pytest.raises(TokenValidationError) as info:  # the async side's error, raised here
        op_facade.refresh(refreshed.refresh_token, subject="bob")
    assert info.value.code == "token.subject"


def test_revoke_blocks_and_takes_effect(op_facade: SyncConnector) -> None:
    result = op_facade.authenticate(Password("alice", "alice-pass"))
    assert isinstance(result, Authenticated)
    rt = result.tokens.refresh_token
    assert rt is not None
    assert op_facade.revoke(rt, token_type_hint="refresh_token") is None
    with pytest.raises(ExpiredCode) as info:
        op_facade.refresh(rt)
    assert info.value.provider_code == "invalid_grant"


def test_logout_url_blocks_and_matches_the_async_side(op_facade: SyncConnector) -> None:
    url = op_facade.logout_url(post_logout_redirect_uri="http://127.0.0.1:8765/out", state="s1")
    assert isinstance(url, str)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}".startswith(op_facade.config.issuer)  # type: ignore[attr-defined]
    assert parse_qs(parts.query) == {
        "client_id": [op.CLIENT_ID],
        "post_logout_redirect_uri": ["http://127.0.0.1:8765/out"],
        "state": ["s1"],
    }

    async def on_the_async_side() -> str:
        return await op_facade.connector.logout_url(  # type: ignore[attr-defined,no-any-return]
            post_logout_redirect_uri="http://127.0.0.1:8765/out", state="s1"
        )

    assert asyncio.run(on_the_async_side()) == url


def test_read_only_views(op_facade: SyncConnector) -> None:
    assert op_facade.name == "oidc"
    assert op_facade.instance_name == "oidc"
    assert op_facade.enabled_methods == {Method.OIDC, Method.PASSWORD, Method.TOKEN}
    assert op_facade.config is op_facade.connector.config
    with pytest.raises(AttributeError):
        op_facade.name = "other"  # type: ignore[misc]


def test_no_coroutine_leaks_through_the_facade(op_facade: SyncConnector) -> None:
    # An async helper of the connector is refused by name, never returned un-awaited.
    with pytest.raises(AttributeError, match=r"metadata\(\) is async"):
        op_facade.metadata  # noqa: B018
    for name in ("authenticate", "check", "refresh", "revoke", "logout_url", "close"):
        assert not asyncio.iscoroutinefunction(getattr(op_facade, name)), name


def test_operations_a_connector_lacks_raise_a_typed_error() -> None:
    with idpbridge.connect("example", sync=True, continuation_keys=ContinuationKeys.generate()) as example:
        for call in (
            lambda: example.refresh("rt"),
            lambda: example.revoke("t"),
            lambda: example.logout_url(state="s"),
        ):
            with pytest.raises(ConfigurationError) as info:
                call()
            assert info.value.code == "config.not_supported"
            assert info.value.connector == "example"


def test_an_unsupported_operation_raises_the_async_sides_error() -> None:
    # Facebook Login has no refresh tokens: the connector's own refusal, raised before any request.
    meta = idpbridge.connect("meta", sync=True, client_id="1234567890", client_secret="s" * 32)
    with meta, pytest.raises(ConfigurationError) as info:
        meta.refresh("rt")
    assert info.value.code == "config.not_supported"
    assert "no refresh tokens" in info.value.message
