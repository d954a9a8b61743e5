"""``idpbridge login`` answers follow-up steps at the prompt: TOTP after a password, one-time codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import SecretStr

from idpbridge import (
    Answer,
    Authenticated,
    CodeSent,
    Identity,
    InputField,
    InputRequired,
    InvalidCode,
    Method,
    OTPChannel,
    TokenSet,
    VerifyOTP,
)
from idpbridge.cli import _login

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
DONE = Authenticated(
    identity=Identity(provider="t", connector="t", issuer="https://idp.test", subject="u1"),
    tokens=TokenSet(),
    method=Method.EMAIL_OTP,
)


class Scripted:
    """A stand-in connector that checks each request it gets and answers from a script."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[Any] = []

    async def authenticate(self, request: Any) -> Any:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    asked: list[tuple[str, bool]] = []
    replies = iter(["111111", "222222", "333333"])

    def prompt(label: str, hide_input: bool = False, **_: Any) -> str:
        asked.append((label, hide_input))
        return next(replies)

    monkeypatch.setattr(_login.typer, "prompt", prompt)
    return asked


async def test_code_sent_wrong_code_then_right(typed: list[tuple[str, bool]]) -> None:
    sent = CodeSent(channel=OTPChannel.EMAIL, destination="j***@e***", continuation="c1", expires_at=LATER)
    conn = Scripted(InvalidCode("wrong", continuation="c2"), DONE)
    result = await _login._next_steps(conn, sent)  # type: ignore[arg-type]
    assert result is DONE
    assert typed == [("Code", True), ("Code", True)]  # hidden both times
    first, second = conn.requests
    assert isinstance(first, VerifyOTP)
    assert isinstance(second, VerifyOTP)
    assert first.code.get_secret_value() == "111111"
    assert first.continuation.get_secret_value() == "c1"
    assert second.continuation.get_secret_value() == "c2"  # the fresh continuation is used


async def test_input_required_is_answered_per_field(typed: list[tuple[str, bool]]) -> None:
    step = InputRequired(
        fields=(InputField("totp", "totp", label="Authenticator code"),),
        continuation=SecretStr("c1"),
        expires_at=LATER,
    )
    conn = Scripted(DONE)
    assert await _login._next_steps(conn, step) is DONE  # type: ignore[arg-type]
    (answer,) = conn.requests
    assert isinstance(answer, Answer)
    assert answer.values["totp"].get_secret_value() == "111111"
    assert typed == [("Authenticator code", True)]


async def test_gives_up_after_three_wrong_codes(typed: list[tuple[str, bool]]) -> None:
    sent = CodeSent(channel=OTPChannel.SMS, destination=None, continuation="c1", expires_at=LATER)
    conn = Scripted(*(InvalidCode("wrong", continuation=f"c{i}") for i in range(2, 5)))
    with pytest.raises(InvalidCode):
        await _login._next_steps(conn, sent)  # type: ignore[arg-type]
    assert len(conn.requests) == 3
