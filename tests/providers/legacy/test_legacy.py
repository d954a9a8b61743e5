"""The legacy connector against a real legacy REST service on loopback (several dialects)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pydantic import SecretStr

from idpbridge import (
    AccountDisabled,
    AccountLocked,
    ConfigurationError,
    ExternalToken,
    InvalidCredentials,
    MalformedResponse,
    Password,
    ProviderError,
    ProviderUnavailable,
    TokenValidationError,
    UserNotFound,
)
from idpbridge.providers.legacy.connector import LegacyConnector

from ._service import USERS, LegacyService

ISSUER = "https://legacy.acme.example"
JSON_MAPPING = {
    "success_path": "ok",
    "failure_path": "error.code",
    "failures": {
        "BAD_PASSWORD": "invalid_credentials",
        "NO_USER": "user_not_found",
        "LOCKED": "locked",
        "DISABLED": "disabled",
    },
    "subject": "user.id",
    "username": "user.login",
    "email": "user.email",
    "email_verified": "user.email_verified",
    "name": "user.display_name",
    "groups": "user.groups",
    "attributes": {"department": "user.department"},
}


def json_config(service: LegacyService, path: str = "/json/login", **more: Any) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "methods": ["password"],
        "password": {"url": service.url(path), "body": {"user": "{username}", "pass": "{password}"}},
        "response": JSON_MAPPING,
        **more,
    }


async def login(config: dict[str, Any], username: str, password: str) -> Any:
    async with LegacyConnector(config) as connector:
        return await connector.authenticate(Password(username, SecretStr(password)))


async def test_json_dialect_maps_the_identity(service: LegacyService) -> None:
    outcome = await login(json_config(service), "alice", "correct horse")
    identity = outcome.identity
    assert identity.key == (ISSUER, "1001")
    assert (identity.email, identity.email_verified, identity.name) == ("alice@example.com", True, "Alice A.")
    assert identity.username == "alice"
    assert identity.groups == ("staff", "admins")
    assert dict(identity.claims) == {"department": "R&D"}
    sent = service.requests[-1]
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["body"] == {"user": "alice", "pass": "correct horse"}


async def test_email_verified_is_true_only_for_json_true(service: LegacyService) -> None:
    config = json_config(service)
    assert (await login(config, "alice", "correct horse")).identity.email_verified is True
    # "true" (a string) is not a boolean: unknown, never verified
    USERS["alice"]["verified"] = "true"
    try:
        assert (await login(config, "alice", "correct horse")).identity.email_verified is None
    finally:
        USERS["alice"]["verified"] = True


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("alice", "wrong", InvalidCredentials),
        ("nobody", "x", UserNotFound),
        ("bob", "pw-bob", AccountLocked),
        ("carol", "pw-carol", AccountDisabled),
    ],
)
async def test_200_with_an_error_body_is_a_typed_refusal(
    service: LegacyService, username: str, password: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await login(json_config(service), username, password)


def form_config(service: LegacyService) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "methods": ["password"],
        "password": {
            "url": service.url("/form/login"),
            "body_format": "form",
            "body": {"username": "{username}", "password": "{password}"},
        },
        "response": {
            "failure_status": {401: "invalid_credentials", 404: "user_not_found", 423: "locked"},
            "subject": "id",
            "email": "email",
            "email_verified": "email_verified",
        },
    }


async def test_form_dialect_and_status_codes(service: LegacyService) -> None:
    outcome = await login(form_config(service), "alice", "correct horse")
    assert outcome.identity.subject == "1001"
    assert outcome.identity.username == "alice"
    assert service.requests[-1]["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    with pytest.raises(UserNotFound):
        await login(form_config(service), "nobody", "x")
    with pytest.raises(AccountLocked):
        await login(form_config(service), "bob", "pw-bob")
    with pytest.raises(InvalidCredentials):
        await login(form_config(service), "alice", "nope")


async def test_status_code_only_dialect(service: LegacyService) -> None:
    config = form_config(service)
    config["password"]["url"] = service.url("/status/login")
    config["response"] = {"success_status": [204], "subject_is_username": True}
    outcome = await login(config, "alice", "correct horse")
    assert outcome.identity.key == (ISSUER, "alice")
    with pytest.raises(InvalidCredentials):
        await login(config, "alice", "wrong")


async def test_nested_paths_with_array_indices(service: LegacyService) -> None:
    config = {
        "issuer": ISSUER,
        "methods": ["password"],
        "password": {
            "url": service.url("/nested/login"),
            "body": {"credentials": {"login": "{username}", "secret": "{password}"}},
        },
        "response": {
            "success_path": "result.status",
            "success_value": "granted",
            "failure_path": "result.reason",
            "failures": {"NO_USER": "user_not_found"},
            "subject": "data.account.ids[0]",
            "username": "data.account.login",
            "email": "data.account.contact.emails[0].value",
            "groups": "data.account.roles",
        },
    }
    identity = (await login(config, "alice", "correct horse")).identity
    assert (identity.subject, identity.email, identity.groups) == (
        "1001",
        "alice@example.com",
        ("staff", "admins"),
    )
    with pytest.raises(UserNotFound):
        await login(config, "nobody", "x")
    with pytest.raises(InvalidCredentials):  # an unmapped failure value: the default refusal
        await login(config, "alice", "wrong")


async def test_hmac_signed_requests_are_verified_by_the_service(service: LegacyService) -> None:
    auth = {
        "kind": "hmac",
        "secret": "hmac-shared-secret",
        "signature_header": "X-Sig",
        "timestamp_header": "X-Ts",
    }
    config = json_config(service, "/hmac/login", client_auth=auth)
    assert (await login(config, "alice", "correct horse")).identity.subject == "1001"
    sent = service.requests[-1]["headers"]
    assert sent["x-sig"].startswith("sha256=")
    assert sent["x-ts"].isdigit()
    wrong = json_config(service, "/hmac/login", client_auth={**auth, "secret": "not-the-secret"})
    with pytest.raises(InvalidCredentials):  # the service's 401 is a refusal, not a success
        await login(wrong, "alice", "correct horse")


async def test_basic_client_authentication(service: LegacyService) -> None:
    config = json_config(
        service, "/basic/login", client_auth={"kind": "basic", "username": "svc", "secret": "s3cret"}
    )
    assert (await login(config, "alice", "correct horse")).identity.subject == "1001"
    config["client_auth"]["secret"] = "nope"
    with pytest.raises(InvalidCredentials):
        await login(config, "alice", "correct horse")
    assert "s3cret" not in repr(
        LegacyConnector(json_config(service, client_auth={"kind": "bearer", "secret": "s3cret"})).config
    )


@pytest.mark.parametrize(
    "hostile",
    ['a"b', "line\nbreak", "{password}", '"}, "admin": true, "x": {"', "caf\u00e9 & = % + ?"],
)
async def test_template_values_cannot_change_the_body_structure(service: LegacyService, hostile: str) -> None:
    for body_format in ("json", "form"):
        config = {
            "issuer": ISSUER,
            "methods": ["password"],
            "password": {
                "url": service.url("/echo"),
                "body_format": body_format,
                "body": {"user": "{username}", "pass": "{password}"},
                "query": {"u": "{username}"},
            },
            "response": {"success_path": "ok", "subject": "id"},
        }
        await login(config, hostile, "pw-" + hostile)
        sent = service.requests[-1]
        assert sent["body"] == {"user": hostile, "pass": "pw-" + hostile}  # exactly, and nothing else
        from urllib.parse import parse_qs

        assert parse_qs(sent["query"]) == {"u": [hostile]}


async def test_a_slow_service_times_out(service: LegacyService) -> None:
    config = json_config(service, "/slow", timeouts={"read": 0.3, "total": 1.0})
    with pytest.raises(ProviderUnavailable) as caught:
        await login(config, "alice", "correct horse")
    assert caught.value.code == "provider.timeout"


async def test_a_huge_body_is_refused(service: LegacyService) -> None:
    with pytest.raises(ProviderError) as caught:
        await login(json_config(service, "/huge"), "alice", "correct horse")
    assert caught.value.code == "provider.response_too_large"


async def test_a_200_without_a_subject_is_malformed(service: LegacyService) -> None:
    config = json_config(service, "/health")
    config["response"] = {"subject": "user.id"}
    with pytest.raises(MalformedResponse):
        await login(config, "alice", "correct horse")


def token_config(service: LegacyService, path: str = "/token/validate", **more: Any) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "methods": ["token"],
        "token": {"method": "GET", "url": service.url(path), "headers": {"Authorization": "Bearer {token}"}},
        "response": {"success_path": "active", "subject": "sub", "username": "username", "email": "email"},
        **more,
    }


async def validate(config: dict[str, Any], token: str, username: str | None) -> Any:
    async with LegacyConnector(config) as connector:
        return await connector.authenticate(ExternalToken(SecretStr(token), username=username))


async def test_token_seed_rule(service: LegacyService) -> None:
    outcome = await validate(token_config(service), "tok-alice", "alice")
    assert outcome.identity.key == (ISSUER, "1001")
    assert outcome.identity.email == "alice@example.com"
    for username in ("bob", "Alice", None):
        with pytest.raises(TokenValidationError) as caught:
            await validate(token_config(service), "tok-alice", username)
        assert caught.value.code == "token.username"
    folded = await validate(token_config(service, username_match="casefold"), "tok-alice", "ALICE")
    assert folded.identity.subject == "1001"
    with pytest.raises(TokenValidationError) as caught:
        await validate(token_config(service), "no-such-token", "alice")
    assert caught.value.code == "token.invalid"


async def test_hostile_validation_services(service: LegacyService) -> None:
    with pytest.raises(TokenValidationError) as caught:  # "active": "true" is not true
        await validate(token_config(service, "/token/string-active"), "tok-alice", "alice")
    assert caught.value.code == "token.invalid"
    with pytest.raises(TokenValidationError) as caught:  # echoes another user
        await validate(token_config(service, "/token/other-user"), "tok-alice", "alice")
    assert caught.value.code == "token.username"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"issuer": "http://legacy.example"}, "issuer"),
        ({"password": {"url": "https://x.example/{username}", "body": {"p": "{password}"}}}, "placeholders"),
        ({"password": {"url": "https://x.example/login", "body": {"u": "{username}"}}}, "{password}"),
        (
            {"password": {"url": "https://x.example/l", "body": {"u": "{username}", "p": "{pasword}"}}},
            "unknown",
        ),
        ({"response": {"subject": "a..b"}}, "JSON path"),
        ({"client_auth": {"kind": "hmac"}}, "secret"),
        ({"methods": ["token"]}, "template"),
    ],
)
def test_bad_configs_are_typed_errors(service: LegacyService, change: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        LegacyConnector({**json_config(service), **change})
    assert needle in str(caught.value)


async def test_check_reports_the_mapping_and_a_refused_bad_credential(service: LegacyService) -> None:
    async with LegacyConnector(json_config(service)) as connector:
        report = await connector.check()
    results = {r.name: r for r in report.results}
    assert results["mapping"].ok
    assert "user.id" in results["mapping"].detail
    assert results["known_bad_credential"].ok, results["known_bad_credential"].detail
    accepting = json_config(service, "/echo")
    accepting["response"] = {"success_path": "ok", "subject": "id"}
    async with LegacyConnector(accepting) as connector:
        bad = {r.name: r for r in (await connector.check()).results}
    assert not bad["known_bad_credential"].ok
    assert "ACCEPTED" in bad["known_bad_credential"].detail
    async with LegacyConnector(json_config(service, health_url=service.url("/health"))) as connector:
        health = {r.name: r for r in (await connector.check()).results}
    assert health["health"].ok
    assert json.dumps(report.as_dict())  # serializable for the CLI


async def test_a_token_that_cannot_travel_in_a_header_is_refused_unsent(service: LegacyService) -> None:
    before = len(service.requests)
    with pytest.raises(TokenValidationError) as caught:
        await validate(token_config(service), "tok-alice\r\nX-Admin: 1", "alice")
    assert caught.value.code == "token.invalid"
    assert len(service.requests) == before


async def test_nothing_secret_reaches_the_logs(
    service: LegacyService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = {"kind": "bearer", "secret": "svc-bearer-secret"}
    config = json_config(service, client_auth=auth)
    config["password"]["query"] = {"who": "{username}", "pw": "{password}"}
    await login(config, "alice", "correct horse")
    with pytest.raises(TokenValidationError):
        await validate(token_config(service, "/token/other-user"), "tok-alice", "alice")
    assert caplog.records  # the HTTP layer did log
    for secret in ("correct horse", "correct+horse", "svc-bearer-secret", "tok-alice"):
        assert secret not in caplog.text
