"""A step context made of two functions: quirk code seals and claims steps without the connector."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from idpbridge import ContinuationKeys, FlowError, InputRequired, InvalidCode, Method, kit
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


async def test_a_malformed_code_is_refused_without_using_up_the_step() -> None:
    conn = OneLoginConnector(
        subdomain="acme", client_id="c", methods=["password"], continuation_keys=ContinuationKeys.generate()
    )
    ctx = StepFunctions(conn.seal, conn.consume_continuation)
    step = kit.CodeStep(
        "test-totp", kit.InputField("totp", "totp"), what="a test step", pattern=kit.TOTP_CODE
    )
    asked = step.ask(ctx, {"u": "jane"})
    cont = conn.continuations.open(asked.continuation.get_secret_value(), method=Method.TOTP.value)
    for malformed in ("12a", "12345", "123456789", ""):
        with pytest.raises(InvalidCode):
            await step.open(ctx, cont, {"totp": SecretStr(malformed)})
    assert (await step.open(ctx, cont, {"totp": "123456"}))[1] == "123456"  # still answerable


async def test_a_keycloak_totp_step_survives_a_malformed_answer() -> None:
    from idpbridge.providers.keycloak import otp

    conn = OneLoginConnector(
        subdomain="acme", client_id="c", methods=["password"], continuation_keys=ContinuationKeys.generate()
    )
    ctx = StepFunctions(conn.seal, conn.consume_continuation)
    cont = conn.continuations.open(
        otp.STEP.ask(ctx, {"u": "jane", "p": "pw"}).continuation.get_secret_value(), method=Method.TOTP.value
    )
    with pytest.raises(InvalidCode):
        await otp.STEP.open(ctx, cont, {"totp": "12a"})
    state, code = await otp.STEP.open(ctx, cont, {"totp": "654321"})
    assert (state["u"], code) == ("jane", "654321")
