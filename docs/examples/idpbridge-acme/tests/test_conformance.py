"""The idpbridge conformance suite for the Acme connector (``pip install "idpbridge[testkit]"``).

Defining the ``idpbridge_subject`` fixture is all it takes: pytest then runs one test per rule of
the suite against the connector, talking real HTTP to a scripted Acme directory on 127.0.0.1.
"""

import pytest
from idpbridge.kit import Answer, Password
from idpbridge.testkit import Flow, Reply, ScriptedIdP, Subject, json_body

USER = {"id": "u-1", "login": "jane", "email": "jane@acme.test", "email_verified": True}


def acme_directory() -> ScriptedIdP:
    """Acme's wire dialect: /api/login, /api/mfa and /api/health."""
    idp = ScriptedIdP()

    @idp.route("POST", "/api/login")
    def login(req):
        body = json_body(req)
        if (body.get("username"), body.get("password")) == ("jane", "s3cret-pw"):
            return Reply(200, json={"user": USER})
        if (body.get("username"), body.get("password")) == ("carol", "pa55-word"):
            return Reply(401, json={"error": "mfa_required", "mfa_token": "mfa-handle-1"})
        return Reply(401, json={"error": "invalid_credentials"})

    @idp.route("POST", "/api/mfa")
    def mfa(req):
        if json_body(req) == {"mfa_token": "mfa-handle-1", "code": "123456"}:
            return Reply(200, json={"user": USER})
        return Reply(401, json={"error": "invalid_code"})

    idp.route("GET", "/api/health", Reply(200, json={"status": "ok"}))
    return idp


@pytest.fixture
def idpbridge_subject():
    with acme_directory() as idp:
        yield Subject(
            provider="acme",
            config={
                "domain": "id.acme.test",
                "api_key": "acme-api-key-123",
                "endpoints": {name: idp.url(f"/api/{name}") for name in ("login", "mfa", "health")},
            },
            secrets=["s3cret-pw", "pa55-word", "acme-api-key-123", "mfa-handle-1"],
            login=Password("jane", "s3cret-pw"),
            refused=Password("jane", "wrong-pw-1"),
            flow=Flow(
                start=Password("carol", "pa55-word"),
                resume=lambda step: Answer(step.continuation, {"code": "123456"}),
            ),
            idp=idp,
        )
