"""Each conformance rule, run in-process over a correct connector and over one that breaks it.

The connectors are small subclasses written here (a password connector with a code step, as in
the plugin guide); each broken one makes one mistake, and the rule must name it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from idpbridge.kit import (
    Answer,
    Authenticated,
    CheckResult,
    Connector,
    ConnectorConfig,
    Continuation,
    Identity,
    InputField,
    InputRequired,
    InvalidCredentials,
    Method,
    Outcome,
    Password,
    ProviderError,
    StartOIDC,
    TokenSet,
    timed_probe,
)
from idpbridge.testkit import (
    RULES,
    Flow,
    OIDCIdP,
    Reply,
    RuleBroken,
    ScriptedIdP,
    Subject,
    json_body,
    run_rule,
)

API_KEY = "tk-api-key-0123456789"


class Config(ConnectorConfig):
    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD})
    base_url: str
    api_key: SecretStr


class Good(Connector[Config]):
    name, title, methods = "tkgood", "Testkit good", frozenset({Method.PASSWORD})
    Config = Config

    async def password(self, request: Password) -> Outcome:
        data = await self._post("/login", {"u": request.username, "p": request.password.get_secret_value()})
        if data.get("step"):
            token, expires_at = self.seal(Method.PASSWORD, {"h": data["step"]})
            return InputRequired(
                fields=(InputField("code", "otp"),), continuation=token, expires_at=expires_at
            )
        return self._user(data)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        await self.consume_continuation(continuation)
        code = request.values["code"].get_secret_value()
        return self._user(await self._post("/code", {"h": continuation.data["h"], "c": code}))

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"x-key": self.config.api_key.get_secret_value()}
        resp = await self.http.post(self.config.base_url + path, json_body=body, headers=headers)
        if resp.status == 401:
            raise InvalidCredentials("refused")
        if resp.status != 200:
            raise ProviderError(f"HTTP {resp.status}", status=resp.status, excerpt=resp.excerpt())
        return resp.json()

    def _user(self, data: dict[str, Any]) -> Authenticated:
        if not isinstance(data.get("id"), str):
            raise ProviderError("no user id")
        identity = Identity(
            provider=self.name, connector=self.instance_name, issuer="https://tk", subject=data["id"]
        )
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.PASSWORD)

    async def probes(self) -> list[CheckResult]:
        async def ping() -> tuple[bool, str]:
            resp = await self.http.get(self.config.base_url + "/health")
            return resp.status == 200, f"HTTP {resp.status}"

        return [*await super().probes(), await timed_probe("health", ping)]


def _idp() -> ScriptedIdP:
    idp = ScriptedIdP()

    @idp.route("POST", "/login")
    def login(req: Any) -> Reply:
        body = json_body(req)
        if body == {"u": "jane", "p": "jane-pw-123"}:
            return Reply(200, json={"id": "u-1"})
        if body == {"u": "carol", "p": "carol-pw-123"}:
            return Reply(200, json={"step": "handle-123"})
        return Reply(401, json={"error": "nope"})

    idp.route("POST", "/code", Reply(200, json={"id": "u-2"}))
    idp.route("GET", "/health", Reply(200, json={}))
    return idp


def _subject(cls: type[Connector[Any]], idp: ScriptedIdP) -> Subject:
    return Subject(
        provider=cls,
        config={"base_url": idp.base_url, "api_key": API_KEY},
        secrets=[API_KEY, "jane-pw-123", "carol-pw-123", "handle-123"],
        login=Password("jane", "jane-pw-123"),
        refused=Password("jane", "wrong-pw-123"),
        flow=Flow(Password("carol", "carol-pw-123"), lambda step: Answer(step.continuation, {"code": "1"})),
        idp=idp,
    )


@pytest.fixture
def idp() -> Iterator[ScriptedIdP]:
    with _idp() as server:
        yield server


NON_OIDC = [r for r in RULES if not r.startswith("oidc.")]


@pytest.mark.parametrize("rule", NON_OIDC)
def test_a_correct_connector_keeps_every_rule(idp: ScriptedIdP, rule: str) -> None:
    assert run_rule(rule, _subject(Good, idp)) is None


def test_oidc_rules_do_not_apply_to_a_password_connector(idp: ScriptedIdP) -> None:
    assert run_rule("oidc.alg_none", _subject(Good, idp)) == "not an OpenID Connect subject (Subject.oidc)"


# -- broken connectors: one mistake each ---------------------------------------------------------


class PlainKeyConfig(ConnectorConfig):
    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.PASSWORD})
    base_url: str
    api_key: str  # the mistake: not SecretStr, so repr(config) shows it


class PlainKey(Good):
    Config = PlainKeyConfig  # type: ignore[assignment]

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"x-key": self.config.api_key}
        resp = await self.http.post(self.config.base_url + path, json_body=body, headers=headers)
        if resp.status != 200:
            raise InvalidCredentials("refused")
        return resp.json()


class LogsBody(Good):
    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        logging.getLogger("tk.wire").debug("POST %s %s", path, body)  # the mistake
        return await super()._post(path, body)


class KeyErrorOnOddAnswers(Good):
    def _user(self, data: dict[str, Any]) -> Authenticated:
        data["id"]
        return super()._user(data)


class NotSingleUse(Good):
    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        code = request.values["code"].get_secret_value()  # the mistake: no consume_continuation()
        return self._user(await self._post("/code", {"h": continuation.data["h"], "c": code}))


class RaisingProbe(Good):
    async def probes(self) -> list[CheckResult]:
        raise RuntimeError("probe crashed")  # the mistake: check() raises


class UntypedProbe(Good):
    async def probes(self) -> list[CheckResult]:
        return [*await super().probes(), ("health", True)]  # type: ignore[list-item]


class LeaksTask(Good):
    async def password(self, request: Password) -> Outcome:
        # The mistake: a task that outlives a cancelled call.
        self._pending = asyncio.get_running_loop().create_task(asyncio.sleep(60))
        return await super().password(request)


class SyncDiffers(Good):
    async def password(self, request: Password) -> Outcome:
        if threading_name().startswith("idpbridge-sync"):  # the mistake: a path only sync takes
            raise InvalidCredentials("refused")
        return await super().password(request)


def threading_name() -> str:
    import threading

    return threading.current_thread().name


BROKEN = [
    (PlainKey, "secrets.repr", "appears in the repr() of a PlainKeyConfig"),
    (LogsBody, "secrets.logs", "was logged by logger 'tk.wire' at DEBUG"),
    (KeyErrorOnOddAnswers, "errors.typed", "raised KeyError"),
    (NotSingleUse, "continuations.replayed", "expected FlowError with code flow.reused, got Authenticated"),
    (RaisingProbe, "check.typed", "check() raised RuntimeError"),
    (UntypedProbe, "check.typed", "a probe returned tuple, not a CheckResult"),
    (LeaksTask, "cancel.no_leak", "cancelling a call left tasks running: sleep"),
    (SyncDiffers, "sync.parity", "the sync facade and the async API disagree"),
]


@pytest.mark.parametrize(("cls", "rule", "found"), BROKEN, ids=[c.__name__ for c, _r, _f in BROKEN])
def test_a_broken_rule_is_named(idp: ScriptedIdP, cls: type[Connector[Any]], rule: str, found: str) -> None:
    with pytest.raises(RuleBroken) as broken:
        run_rule(rule, _subject(cls, idp))
    assert broken.value.rule == rule
    assert found in broken.value.problem, broken.value.problem


# -- hostile ID tokens: the rule notices a connector that accepts one ---------------------------


def _oidc_subject(idp: ScriptedIdP, oidc: OIDCIdP) -> Subject:
    return Subject(
        provider="oidc",
        config={"issuer": oidc.issuer, "client_id": "tk-client", "client_secret": "tk-client-secret-0123"},
        secrets=["tk-client-secret-0123"],
        flow=Flow(StartOIDC("https://rp.example.test/cb"), oidc.callback),
        idp=idp,
        oidc=oidc,
    )


def test_the_generic_oidc_connector_refuses_every_hostile_id_token(idp: ScriptedIdP) -> None:
    oidc = OIDCIdP(idp, client_id="tk-client")
    for rule in [r for r in RULES if r.startswith("oidc.")]:
        assert run_rule(rule, _oidc_subject(idp, oidc)) is None, rule


def test_an_accepted_hostile_id_token_is_named(idp: ScriptedIdP, monkeypatch: pytest.MonkeyPatch) -> None:
    """An IdP that mints an honest token where a hostile one was asked for stands in for a
    connector that accepts the hostile one: the rule must say so."""
    oidc = OIDCIdP(idp, client_id="tk-client")
    monkeypatch.setattr(oidc, "hostile", lambda kind: None)
    with pytest.raises(RuleBroken) as broken:
        run_rule("oidc.wrong_issuer", _oidc_subject(idp, oidc))
    assert broken.value.problem.startswith(
        "an ID token from another issuer was not refused with TokenValidationError: Authenticated("
    )


# -- the plugin is inert unless a module opts in --------------------------------------------------


def test_the_plugin_is_inert_without_the_fixture(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "idpbridge conformance" not in done.stdout
    assert "TestConformance" not in done.stdout
