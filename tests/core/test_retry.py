"""RetryPolicy: idempotent GETs retry with jittered backoff; credential POSTs are never replayed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from idpbridge import ConfigurationError, ProviderUnavailable, RateLimited
from idpbridge.http import HttpClient, HttpPolicy, RetryPolicy

IDP = "https://idp.example.com"
POLICY = RetryPolicy(attempts=4, backoff=0.2, backoff_max=2.0, jitter=0.25, retry_after_max=10.0)

Step = httpx.Response | Exception


class Script:
    """A transport that plays a scripted sequence of responses/failures and counts calls."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client_for(script: Script, policy: RetryPolicy = POLICY) -> tuple[HttpClient, Sleeps]:
    sleeps = Sleeps()
    client = HttpClient(
        HttpPolicy(retry=policy), httpx.AsyncClient(transport=httpx.MockTransport(script)), sleep=sleeps
    )
    return client, sleeps


def ok() -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def status(code: int, retry_after: str | None = None) -> httpx.Response:
    return httpx.Response(code, headers={"retry-after": retry_after} if retry_after else {})


def within_jitter(delay: float, attempt: int, policy: RetryPolicy = POLICY) -> bool:
    base = min(policy.backoff * 2 ** (attempt - 1), policy.backoff_max)
    return base * (1 - policy.jitter) <= delay <= base * (1 + policy.jitter)


# -- idempotent GETs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("connect timeout"),
        httpx.ReadTimeout("read timeout"),
        httpx.RemoteProtocolError("peer closed"),
        status(500),
        status(502),
        status(503),
        status(504),
        status(429),
    ],
    ids=lambda f: type(f).__name__ if isinstance(f, Exception) else f"HTTP {f.status_code}",
)
async def test_get_retries_transient_failures(failure: Step) -> None:
    script = Script(failure, failure, ok())
    client, sleeps = client_for(script)
    resp = await client.get(f"{IDP}/.well-known/openid-configuration")
    assert resp.status == 200
    assert script.calls == 3
    assert len(sleeps.delays) == 2
    assert within_jitter(sleeps.delays[0], 1)
    assert within_jitter(sleeps.delays[1], 2)


async def test_get_gives_up_after_the_attempts() -> None:
    script = Script(status(503))
    client, sleeps = client_for(script)
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get(f"{IDP}/jwks")
    assert caught.value.status == 503
    assert script.calls == POLICY.attempts
    assert len(sleeps.delays) == POLICY.attempts - 1


@pytest.mark.parametrize("code", [400, 401, 403, 404, 501])
async def test_get_does_not_retry_other_statuses(code: int) -> None:
    script = Script(status(code), ok())
    client, sleeps = client_for(script)
    if code >= 500:
        with pytest.raises(ProviderUnavailable):
            await client.get(f"{IDP}/x")
    else:
        assert (await client.get(f"{IDP}/x")).status == code
    assert script.calls == 1
    assert sleeps.delays == []


async def test_get_honours_retry_after() -> None:
    script = Script(status(429, "3"), status(503, "1"), ok())
    client, sleeps = client_for(script)
    await client.get(f"{IDP}/userinfo")
    assert sleeps.delays == [3.0, 1.0]  # exactly what the IdP asked, no jitter


async def test_retry_after_beyond_the_cap_is_not_retried_early() -> None:
    script = Script(status(429, "3600"), ok())
    client, sleeps = client_for(script)
    with pytest.raises(RateLimited) as caught:
        await client.get(f"{IDP}/userinfo")
    assert caught.value.retry_after == 3600.0  # the caller learns how long to wait
    assert script.calls == 1
    assert sleeps.delays == []


def test_backoff_is_capped_and_jittered() -> None:
    delays = [POLICY.delay(attempt, None) for attempt in range(1, 12) for _ in range(20)]
    assert max(delays) <= POLICY.backoff_max * (1 + POLICY.jitter)
    assert len(set(delays)) > 100  # jittered, not a fixed schedule
    for attempt in range(1, 12):
        assert within_jitter(POLICY.delay(attempt, None), attempt)
    assert POLICY.delay(1, 4.0) == 4.0
    assert POLICY.delay(1, 99.0) == POLICY.retry_after_max
    assert POLICY.delay(1, -3.0) == 0.0


def test_policy_is_immutable_and_validated() -> None:
    assert POLICY.replace(attempts=1).attempts == 1
    assert POLICY.attempts == 4
    with pytest.raises(ConfigurationError, match="at least 1"):
        RetryPolicy(attempts=0)


# -- credential POSTs ----------------------------------------------------------------------------

Post = Callable[[HttpClient], object]


async def post_password(client: HttpClient) -> object:
    return await client.post(f"{IDP}/oauth2/token", data={"grant_type": "password", "password": "pw"})


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("connect timeout"),
        status(429, "2"),
        status(503, "2"),
    ],
    ids=["connect-error", "connect-timeout", "429+Retry-After", "503+Retry-After"],
)
async def test_credential_post_retries_only_when_it_surely_was_not_processed(failure: Step) -> None:
    script = Script(failure, ok())
    client, _ = client_for(script)
    resp = await post_password(client)
    assert resp.status == 200  # type: ignore[attr-defined]
    assert script.calls == 2


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ReadTimeout("read timeout"), ProviderUnavailable),  # the IdP may have processed it
        (httpx.WriteError("broken pipe"), ProviderUnavailable),
        (httpx.RemoteProtocolError("peer closed"), ProviderUnavailable),
        (status(500), ProviderUnavailable),
        (status(502), ProviderUnavailable),
        (status(503), ProviderUnavailable),  # no Retry-After
        (status(504, "2"), ProviderUnavailable),  # not 429/503
        (status(429), RateLimited),  # no Retry-After
    ],
    ids=["read-timeout", "write-error", "protocol-error", "500", "502", "503", "504+RA", "429"],
)
async def test_credential_post_is_never_replayed(failure: Step, error: type[Exception]) -> None:
    script = Script(failure, ok())
    client, sleeps = client_for(script)
    with pytest.raises(error):
        await post_password(client)
    assert script.calls == 1
    assert sleeps.delays == []


async def test_idempotent_post_retries_like_a_get() -> None:
    script = Script(httpx.ReadTimeout("slow"), status(500), ok())
    client, _ = client_for(script)
    resp = await client.post(f"{IDP}/introspect", data={"token_type_hint": "x"}, idempotent=True)
    assert resp.status == 200
    assert script.calls == 3


async def test_credential_post_retry_budget_is_bounded() -> None:
    script = Script(status(503, "1"))
    client, sleeps = client_for(script)
    with pytest.raises(ProviderUnavailable):
        await post_password(client)
    assert script.calls == POLICY.attempts
    assert sleeps.delays == [1.0] * (POLICY.attempts - 1)


async def test_policy_run_is_the_one_retry_loop() -> None:
    from idpbridge._retry import RetryableStatus

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def flaky(failures: int) -> Callable[[], Awaitable[str]]:
        calls = 0

        async def attempt() -> str:
            nonlocal calls
            calls += 1
            if calls <= failures:
                raise RetryableStatus(503, 0.5)
            return f"ok after {calls}"

        return attempt

    policy = RetryPolicy(attempts=3)
    assert await policy.run(flaky(2), idempotent=True, sleep=sleep) == "ok after 3"
    assert waits == [0.5, 0.5]  # Retry-After honoured exactly
    with pytest.raises(RetryableStatus):  # attempts run out: the last failure is raised
        await policy.run(flaky(3), idempotent=True, sleep=sleep)
    waits.clear()

    async def broken() -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):  # not a retryable failure: raised at once
        await policy.run(broken, idempotent=True, sleep=sleep)
    assert waits == []
