"""Input steps: ask for a code, then open, check and use the answer once.

The shape shared by every "one more code" step (Okta direct/IDX MFA, Keycloak's TOTP after the
password, Cognito's challenges): :meth:`CodeStep.ask` seals the step's state under a sub-flow
marker and returns :class:`~idpbridge.InputRequired`; :meth:`CodeStep.open` checks that an
:class:`~idpbridge.Answer`'s continuation belongs to this step, marks it used (single use, through
the replay store) and returns its state and the well-formed code. Quirk code receives a
:class:`StepContext` (sealing and single use), never the connector.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol

from pydantic import SecretStr

from .continuation import Continuation
from .errors import FlowError, InvalidCode
from .methods import Method
from .outcomes import InputField, InputRequired

__all__ = ["TOTP_CODE", "CodeStep", "StepContext", "StepFunctions", "check_code", "totp_step"]

#: Longest one-time code accepted (anything longer is malformed input, not a code).
MAX_CODE = 64


class StepContext(Protocol):
    """What a step needs from its connector: sealing state and claiming a continuation once."""

    def seal(self, method: Method, data: Mapping[str, Any]) -> tuple[SecretStr, dt.datetime]: ...

    async def consume_continuation(self, continuation: Continuation, *, message: str = ...) -> None: ...


@dataclasses.dataclass(frozen=True, slots=True)
class StepFunctions:
    """A :class:`StepContext` made of two callables, e.g. a connector's ``seal`` and
    ``consume_continuation``: quirk code gets these two capabilities, not the connector."""

    seal: Callable[[Method, Mapping[str, Any]], tuple[SecretStr, dt.datetime]]
    consume_continuation: Callable[..., Coroutine[Any, Any, None]]


#: The shape of an authenticator-app (TOTP) code: RFC 6238 codes are 6 to 8 digits.
TOTP_CODE = r"[0-9]{6,8}"


def check_code(code: str, *, max_length: int = MAX_CODE, pattern: str | None = None) -> str:
    """``code`` if non-empty, printable, of sane length and (when given) matching ``pattern``;
    else :class:`~idpbridge.InvalidCode`."""
    bad = pattern is not None and re.fullmatch(pattern, code) is None
    if bad or not 0 < len(code) <= max_length or not code.isprintable():
        raise InvalidCode("the one-time code is empty or not well formed")
    return code


@dataclasses.dataclass(frozen=True, slots=True)
class CodeStep:
    """One "enter a code" step.

    Args:
        flow: the sub-flow marker sealed with the state (``"kc-direct-otp"``).
        field: the one field asked for.
        method: the continuation's method (``totp`` by default).
        what: how the refusal names this step (``"a Keycloak TOTP step"``).
        pattern: the code's shape (a regular expression, e.g. :data:`TOTP_CODE`), checked before
            the continuation is used up (``None``: any printable code).
    """

    flow: str
    field: InputField
    method: Method = Method.TOTP
    what: str = "this step"
    pattern: str | None = None

    def ask(self, ctx: StepContext, state: Mapping[str, Any]) -> InputRequired:
        """Seal ``state`` under this step's marker and ask for the code."""
        token, expires_at = ctx.seal(self.method, {**state, "f": self.flow})
        return InputRequired(fields=(self.field,), continuation=token, expires_at=expires_at)

    def state(self, data: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
        """``(state, code)`` from an answer, checking the marker and that the field is there."""
        if data.get("f") != self.flow:
            raise FlowError(f"this continuation is not {self.what}", code="flow.wrong_method")
        code = values.get(self.field.name)
        if code is None:
            raise FlowError(f"this step needs a value for {self.field.name!r}", code="flow.bad_answer")
        return data, code.get_secret_value() if isinstance(code, SecretStr) else str(code)

    async def open(
        self, ctx: StepContext, continuation: Continuation, values: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], str]:
        """:meth:`state` and the code's shape, then claim the continuation (single use).

        A malformed code is refused (:class:`~idpbridge.InvalidCode`) before the continuation is
        used up, so the same continuation can answer again.
        """
        data, code = self.state(continuation.data, values)
        self.check(code)
        await ctx.consume_continuation(continuation)
        return data, code

    def check(self, code: str) -> str:
        """``code`` if well formed for this step (:func:`check_code` with :attr:`pattern`)."""
        return check_code(code, pattern=self.pattern)


def totp_step(flow: str, *, what: str, label: str = "Code from your authenticator app") -> CodeStep:
    """The "enter the code from your authenticator app" step: one secret ``totp`` field whose
    answer must be 6 to 8 digits (:data:`TOTP_CODE`), sealed under the sub-flow marker ``flow``."""
    return CodeStep(flow, InputField("totp", "totp", secret=True, label=label), what=what, pattern=TOTP_CODE)
