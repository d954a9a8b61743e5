"""A step context made of two functions: quirk code seals and claims steps without the connector."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from idpbridge import ContinuationKeys, FlowError, InputRequired, Method, kit
from idpbridge.providers.onelogin.connector import OneLoginConnector
from idpbridge.steps import StepFunctions

STEP = kit.CodeStep("test-otp", kit.InputField("totp", "totp"), what="a test step")


async def test_step_functions_seal_and_claim_once_for_a_code_step() -> None:
    conn = OneLoginConnector(
        subdomain="acme", client_id="c", methods=["password"], continuation_keys=ContinuationKeys.generate()
    )
    ctx = StepFunctions(conn.seal, conn.consume_continuation)
    asked = STEP.ask(ctx, {"u": "jane"})
    assert isinstance(asked, InputRequired)
    cont = conn.continuations.open(asked.continuation.get_secret_value(), method=Method.TOTP.value)
    state, code = await STEP.open(ctx, cont, {"totp": SecretStr("123456")})
    assert (state["u"], code) == ("jane", "123456")
    with pytest.raises(FlowError) as reused:
        await STEP.open(ctx, cont, {"totp": SecretStr("123456")})
    assert reused.value.code == "flow.reused"
