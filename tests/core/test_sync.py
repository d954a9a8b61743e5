"""The blocking facade: plain sync code, other threads, inside a running loop, clean close."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import respx

import idpbridge
from idpbridge import (
    Authenticated,
    ContinuationKeys,
    InputRequired,
    InvalidCredentials,
    Password,
    SyncConnector,
)
from idpbridge.registry import Registry

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
