"""The Cognito emulator and cassettes against botocore's own cognito-idp service model.

Every exchange the emulator serves in this package is checked by the ``fake`` fixture
(``tests/support/cognito_model.py``: operations, shapes, required members, enums, lengths,
patterns, declared errors and their status, the documented ``AuthParameters`` and
``ChallengeResponses`` names). The tests here drive the flows and the refusals explicitly, check
the checker itself, and check the cassettes and the connector's error table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from idpbridge.providers.cognito.errors import HIDE_USER_EXISTENCE, RULES
from idpbridge.providers.cognito.secret_hash import secret_hash
from idpbridge.providers.cognito.sheet import CODE_CHALLENGES, FIRST_FACTOR, SELECTABLE_MFA, UNSUPPORTED
from idpbridge.sandbox.cognito import Client, FakeCognito, Pool
from idpbridge.sandbox.cognito.model import AUTH_FLOWS, CHALLENGE_NAMES
from tests.support.cognito_model import PROTOCOL_ERRORS, ModelLog, model

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "cognito"
EMAIL, PASSWORD = "jane@example.com", "Passw0rd!"


def _call(fake: FakeCognito, operation: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        fake.endpoint_url + "/",
        content=json.dumps(body),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
            **headers,
        },
    )


@pytest.fixture
def pool(fake: FakeCognito) -> tuple[Pool, Client]:
    p = fake.state.add_pool(username_attributes=("email",))
    c = fake.state.add_client(p)
    attrs = {"email": EMAIL, "email_verified": "true", "phone_number": "+15555550100"}
    fake.state.add_user(p, EMAIL, password=PASSWORD, attributes={**attrs, "phone_number_verified": "true"})
    return p, c


def _hash(client: Client, name: str) -> str:
    assert client.secret is not None
    return secret_hash(name, client.client_id, SecretStr(client.secret))


def test_the_checker_sees_every_exchange_and_catches_a_bad_one(
    fake: FakeCognito, pool: tuple[Pool, Client], model_log: ModelLog
) -> None:
    _, client = pool
    before = len(model_log.seen)
    params = {"USERNAME": EMAIL, "PASSWORD": PASSWORD, "SECRET_HASH": _hash(client, EMAIL)}
    ok = _call(
        fake,
        "InitiateAuth",
        {"ClientId": client.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params},
    )
    assert ok.status_code == 200
    assert "AuthenticationResult" in ok.json()
    assert model_log.seen[before:] == [("InitiateAuth", "ok")]
    checker = model()
    assert checker.problems_response("InitiateAuth", {"ChallengeName": "EMAIL_MFA", "Extra": 1}) == [
        "InitiateAuth.ChallengeName: 'EMAIL_MFA' is not in ChallengeNameType",
        "InitiateAuth.Extra is not a member of InitiateAuthResponse",
    ]
    assert checker.problems_error("InitiateAuth", "CodeMismatchException", 400)
    assert checker.problems_error("InitiateAuth", "InternalErrorException", 400)
    assert not checker.problems_error("InitiateAuth", "InternalErrorException", 500)


def test_choice_based_sign_in_speaks_the_model(fake: FakeCognito, pool: tuple[Pool, Client]) -> None:
    _, client = pool
    h = _hash(client, EMAIL)
    first = _call(
        fake,
        "InitiateAuth",
        {
            "ClientId": client.client_id,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": EMAIL, "SECRET_HASH": h},
        },
    ).json()
    assert first["ChallengeName"] == "SELECT_CHALLENGE"
    assert set(first["AvailableChallenges"]) <= model().challenges
    internal = first["ChallengeParameters"]["USERNAME"]
    h = _hash(client, internal)
    answers = {"USERNAME": internal, "ANSWER": "EMAIL_OTP", "SECRET_HASH": h}
    step = _call(
        fake,
        "RespondToAuthChallenge",
        {
            "ClientId": client.client_id,
            "ChallengeName": "SELECT_CHALLENGE",
            "Session": first["Session"],
            "ChallengeResponses": answers,
        },
    ).json()
    assert step["ChallengeName"] == "EMAIL_OTP"
    # The parameter names amplify-js reads for a code delivery (signInHelpers.ts, see the sheet).
    assert {"CODE_DELIVERY_DELIVERY_MEDIUM", "CODE_DELIVERY_DESTINATION"} <= set(step["ChallengeParameters"])
    code = fake.outbox[-1].code
    answers = {"USERNAME": internal, "EMAIL_OTP_CODE": code, "SECRET_HASH": h}
    done = _call(
        fake,
        "RespondToAuthChallenge",
        {
            "ClientId": client.client_id,
            "ChallengeName": "EMAIL_OTP",
            "Session": step["Session"],
            "ChallengeResponses": answers,
        },
    ).json()
    assert set(done["AuthenticationResult"]) >= {
        "AccessToken",
        "IdToken",
        "RefreshToken",
        "ExpiresIn",
        "TokenType",
    }


@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [
        ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH"}, "at 'clientId'"),
        ("InitiateAuth", {"ClientId": "{client}"}, "at 'authFlow'"),
        ("InitiateAuth", {"ClientId": "{client}", "AuthFlow": "PASSWORD_AUTH"}, "enum value set"),
        ("InitiateAuth", {"ClientId": "{client}", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH"}, "not supported"),
        ("InitiateAuth", {"ClientId": "not a client!", "AuthFlow": "USER_AUTH"}, "regular expression"),
        (
            "RespondToAuthChallenge",
            {"ClientId": "{client}", "ChallengeName": "EMAIL_MFA", "Session": "x" * 40},
            "enum value set",
        ),
        ("RespondToAuthChallenge", {"ClientId": "{client}", "Session": "x" * 40}, "at 'challengeName'"),
    ],
)
def test_requests_the_model_refuses_are_refused(
    fake: FakeCognito, pool: tuple[Pool, Client], operation: str, body: dict[str, Any], message: str
) -> None:
    _, client = pool
    body = {
        k: (v.replace("{client}", client.client_id) if isinstance(v, str) else v) for k, v in body.items()
    }
    answer = _call(fake, operation, body)
    assert answer.status_code == 400
    assert answer.json()["__type"] == "InvalidParameterException"
    assert message in answer.json()["message"]


def test_a_secret_hash_for_a_client_without_secret_is_refused(fake: FakeCognito) -> None:
    p = fake.state.add_pool()
    c = fake.state.add_client(p, secret=False)
    fake.state.add_user(p, "jane", password=PASSWORD)
    params = {"USERNAME": "jane", "PASSWORD": PASSWORD, "SECRET_HASH": "c2VjcmV0"}
    answer = _call(
        fake,
        "InitiateAuth",
        {"ClientId": c.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params},
    )
    assert answer.json()["__type"] == "InvalidParameterException"
    assert "is not configured for secret but secret hash was received" in answer.json()["message"]


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"X-Amz-Target": "AWSCognitoIdentityProviderService.NoSuchOperation"}, "UnknownOperationException"),
        ({"Content-Type": "application/json"}, "UnknownOperationException"),
    ],
)
def test_protocol_errors(fake: FakeCognito, headers: dict[str, str], error: str) -> None:
    answer = _call(fake, "InitiateAuth", {}, **headers)
    assert answer.status_code == 400
    assert answer.json()["__type"] == error == answer.headers["x-amzn-ErrorType"].rstrip(":")
    assert error in PROTOCOL_ERRORS


def test_the_emulator_knows_the_models_enums() -> None:
    m = model()
    assert set(AUTH_FLOWS) == m.auth_flows
    assert set(CHALLENGE_NAMES) == m.challenges


def test_the_connectors_challenge_names_are_the_models() -> None:
    m = model()
    assert set(CODE_CHALLENGES) | set(UNSUPPORTED) <= m.challenges
    for challenge in CODE_CHALLENGES.values():
        assert challenge.response_key in m.challenge_responses[challenge.name]
    # amplify-js answers EMAIL_OTP where the model's documentation says EMAIL_MFA (signInHelpers.ts).
    assert m.select_mfa_answers <= SELECTABLE_MFA <= m.select_mfa_answers | {"EMAIL_OTP"}
    assert set(FIRST_FACTOR.values()) <= m.challenges


def test_the_connector_classifies_only_errors_the_model_declares() -> None:
    m = model()
    declared = {
        s.name
        for op in ("InitiateAuth", "RespondToAuthChallenge", "GetUser")
        for s in m.service.operation_model(op).error_shapes
    }
    names = {rule.provider_code for rule in (*RULES, *HIDE_USER_EXISTENCE)}
    assert names <= declared, names - declared


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.stem)
def test_cassettes_speak_the_model(path: Path) -> None:
    m = model()
    cassette = yaml.safe_load(path.read_text())
    assert cassette["interactions"]
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        headers = {k.lower(): v for k, v in request["headers"].items()}
        operation = m.operation(headers["x-amz-target"][0])
        assert operation in ("InitiateAuth", "RespondToAuthChallenge"), headers["x-amz-target"]
        if request["body"]:
            assert not m.problems_request(operation, json.loads(request["body"]))
        status = response["status"]["code"]
        text = response["body"]["string"]
        if status == 200:
            assert not m.problems_response(operation, json.loads(text))
            continue
        rheaders = {k.lower(): v for k, v in response["headers"].items()}
        if not rheaders["content-type"][0].startswith("application/x-amz-json"):
            assert status >= 500  # a proxy's page, not a Cognito answer
            continue
        error = json.loads(text)["__type"]
        assert rheaders["x-amzn-errortype"][0].split(":")[0] == error
        assert not m.problems_error(operation, error, status), (path.name, error, status)
