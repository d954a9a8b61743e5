"""The scripted IdP on its own: routes, sequences, a replayed vcrpy cassette, fault injection."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import idpbridge
from idpbridge.kit import AccountLocked, Password
from idpbridge.testkit import Reply, ScriptedIdP

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def _get(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_routes_sequences_and_unmatched() -> None:
    with ScriptedIdP() as idp:
        idp.route("GET", "/a", Reply(200, json={"n": 1}))
        idp.route("GET", re.compile(r"/users/\d+"), lambda req: Reply(200, json={"path": req.path}))
        idp.sequence("POST", "/s", Reply(500, body="down"), Reply(200, json={"ok": True}))
        assert _get(idp.url("/a")) == (200, '{"n": 1}')
        assert json.loads(_get(idp.url("/users/42"))[1]) == {"path": "/users/42"}
        assert _get(idp.url("/s"), b"x") == (500, "down")
        assert _get(idp.url("/s"), b"x")[0] == 200
        assert _get(idp.url("/s"), b"x")[0] == 200  # the last reply repeats
        assert _get(idp.url("/nope"))[0] == 404
        assert [r.path for r in idp.unmatched] == ["/nope"]
        assert len(idp.requests) == 6
        idp.chaos(Reply(503, body="chaos"))
        assert _get(idp.url("/a")) == (503, "chaos")
        idp.chaos(None)
        assert _get(idp.url("/a"))[0] == 200


async def test_a_cassette_replayed_on_loopback_drives_a_real_connector() -> None:
    """auth0/too_many_attempts.yaml served by the scripted IdP: the auth0 connector reads its
    discovery document and classifies the 429 as AccountLocked (brute-force protection), over real
    HTTP."""
    with ScriptedIdP.from_cassette(CASSETTES / "auth0" / "too_many_attempts.yaml") as idp:
        async with idpbridge.connect(
            "auth0",
            domain="acme.us.auth0.test",
            client_id="cassette-client",
            client_secret="cassette-secret-0123456789",
            methods=["password"],
            endpoints={
                "discovery": idp.url("/.well-known/openid-configuration"),
                "token_endpoint": idp.url("/oauth/token"),
            },
        ) as conn:
            with pytest.raises(AccountLocked) as err:
                await conn.authenticate(Password("jane", "jane-password-1"))
    assert err.value.provider_code == "too_many_attempts"
    assert [(r.method, r.path) for r in idp.requests] == [
        ("GET", "/.well-known/openid-configuration"),
        ("POST", "/oauth/token"),
    ]


def test_a_held_request_waits_until_released() -> None:
    import threading

    with ScriptedIdP() as idp:
        idp.route("GET", "/slow", Reply(200, body="done"))
        release = idp.hold_next()
        got: list[tuple[int, str]] = []
        worker = threading.Thread(target=lambda: got.append(_get(idp.url("/slow"))))
        worker.start()
        assert idp.wait_held(10)
        assert got == []
        release.set()
        worker.join(10)
        assert got == [(200, "done")]
