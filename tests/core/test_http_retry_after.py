"""``Retry-After`` in both forms is capped, past dates are zero, garbage is ignored."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from idpbridge import ProviderUnavailable, RateLimited
from idpbridge.http import NO_RETRY, HttpClient, HttpPolicy, RetryPolicy, parse_retry_after

DAY = 86400.0


def http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 31 Dec 9999 23:59:59 GMT",  # ~2.5e11 s away: was returned as is
        pytest.param(http_date(10 * DAY), id="in-ten-days"),
        "Fri, 31 Dec 9999 23:59:59 -0000",
        "Fri, 31 Dec 9999 23:59:59 +1400",
        "99999999999",
        str(10**30),
    ],
)
def test_far_retry_after_is_capped_at_a_day_in_both_forms(value: str) -> None:
    assert parse_retry_after(value) == DAY


def test_near_date_is_seconds_from_now() -> None:
    got = parse_retry_after(http_date(120))
    assert got is not None
    assert 100 < got <= 121


@pytest.mark.parametrize(
    "value",
    ["Wed, 21 Oct 2015 07:28:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Mon, 01 Jan 0001 00:00:00 GMT"],
)
def test_past_dates_are_zero(value: str) -> None:
    assert parse_retry_after(value) == 0.0


@pytest.mark.parametrize(
    "value",
    [
        "soon",
        "-5",
        "1.5",
        "1e9",
        "٣",  # a non-ASCII digit
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Fri, 32 Dec 2030 23:59:59 GMT",
        "Fri, 31 Foo 2030 23:59:59 GMT",
        "Fri, 31 Dec 2030 25:61:61 GMT",
        "\x00\x01",
        "9" * 5000 + " GMT",
        "",
        "   ",
        None,
    ],
)
def test_garbage_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize("value", ["Fri, 31 Dec 9999 23:59:59 GMT", "99999999999"])
async def test_errors_carry_the_capped_value(value: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        status = 429 if request.url.path == "/limited" else 503
        return httpx.Response(status, json={}, headers={"retry-after": value})

    client = HttpClient(HttpPolicy(retry=NO_RETRY), httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises(RateLimited) as limited:
        await client.get("https://idp.example.com/limited")
    assert limited.value.retry_after == DAY
    with pytest.raises(ProviderUnavailable) as down:
        await client.get("https://idp.example.com/down")
    assert down.value.retry_after == DAY


async def test_a_far_date_is_not_waited_for() -> None:
    # the retry policy gives up at once on a Retry-After beyond retry_after_max, date form too
    waits: list[float] = []
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, json={}, headers={"retry-after": "Fri, 31 Dec 9999 23:59:59 GMT"})

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = HttpClient(
        HttpPolicy(retry=RetryPolicy(attempts=3)),
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        sleep=sleep,
    )
    with pytest.raises(ProviderUnavailable):
        await client.get("https://idp.example.com/x")
    assert (calls, waits) == (1, [])
