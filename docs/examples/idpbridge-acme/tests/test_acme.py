import json
import logging

import httpx
import idpbridge
import pytest
from idpbridge import (
    AccountLocked,
    Answer,
    Authenticated,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Password,
)
from idpbridge.registry import Registry
from idpbridge.replay import MemoryReplayStore

USERS = {"jane": "s3cret", "carol": "pa55word"}  # carol has TOTP enabled
USER = {"id": "u-1", "login": "jane", "email": "jane@acme.test", "email_verified": True}


def acme(request: httpx.Request) -> httpx.Response:
    """A fake Acme directory, in-process: no network involved."""
    if request.url.path == "/api/health":
        return httpx.Response(200, json={"status": "ok"})
    assert request.headers["x-api-key"] == "test-key"
    body = json.loads(request.content)
    if request.url.path == "/api/mfa":
        if body == {"mfa_token": "mfa-handle-1", "code": "123456"}:
            return httpx.Response(200, json={"user": USER})
        return httpx.Response(401, json={"error": "invalid_code"})
    if body["username"] == "locked":
        return httpx.Response(403, json={"error": "locked"})
    if USERS.get(body["username"]) != body["password"]:
        return httpx.Response(401, json={"error": "invalid_credentials"})
    if body["username"] == "carol":
        return httpx.Response(401, json={"error": "mfa_required", "mfa_token": "mfa-handle-1"})
    return httpx.Response(200, json={"user": USER})


@pytest.fixture
async def connector():
    keys = idpbridge.ContinuationKeys([idpbridge.ContinuationKeys.new_key()])
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(acme)) as client,
        idpbridge.connect(
            "acme",
            domain="id.acme.test",
            api_key="test-key",
            http_client=client,
            continuation_keys=keys,
            replay_store=MemoryReplayStore(),  # one process serves every flow in these tests
        ) as conn,
    ):
        yield conn


async def test_password_login(connector):
    result = await connector.authenticate(Password("jane", "s3cret"))
    assert isinstance(result, Authenticated)
    assert result.identity.key == ("https://id.acme.test", "u-1")
    assert result.identity.email_verified is True


async def test_wrong_password(connector, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidCredentials) as info:
        await connector.authenticate(Password("jane", "wrong-pw"))
    assert info.value.code == "invalid_credentials"
    assert "wrong-pw" not in str(info.value) + repr(info.value) + caplog.text


async def test_locked(connector):
    with pytest.raises(AccountLocked):
        await connector.authenticate(Password("locked", "x"))


async def test_totp_step(connector):
    step = await connector.authenticate(Password("carol", "pa55word"))
    assert isinstance(step, InputRequired)
    assert step.field_names == ("code",)
    assert "mfa-handle-1" not in step.continuation.get_secret_value()  # sealed, not readable
    with pytest.raises(InvalidCode):
        await connector.authenticate(Answer(step.continuation, {"code": "000000"}))
    with pytest.raises(idpbridge.FlowError) as reused:  # a step is used once, right or wrong
        await connector.authenticate(Answer(step.continuation, {"code": "123456"}))
    assert reused.value.code == "flow.reused"
    step = await connector.authenticate(Password("carol", "pa55word"))
    result = await connector.authenticate(Answer(step.continuation, {"code": "123456"}))
    assert isinstance(result, Authenticated)


async def test_tampered_continuation(connector):
    step = await connector.authenticate(Password("carol", "pa55word"))
    token = step.continuation.get_secret_value()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(idpbridge.FlowError):
        await connector.authenticate(Answer(forged, {"code": "123456"}))


async def test_check(connector):
    report = await connector.check()
    assert report.ok, report.as_dict()


def test_registered():
    info = Registry().info("acme")
    assert info.available, info.error
    assert info.methods == (idpbridge.Method.PASSWORD,)
