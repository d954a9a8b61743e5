"""The conformance rules: what every connector must do, checked against a scripted IdP.

A :class:`Subject` says how to build the connector and what to ask it; each rule of :data:`RULES`
runs it (asynchronously, on a fresh event loop) and raises :class:`RuleBroken` naming the rule and
what broke it. The pytest plugin (:mod:`idpbridge.testkit.plugin`) turns each rule into a test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from ..connector import CheckReport, CheckResult, Connector
from ..continuation import ContinuationKeys
from ..errors import FlowError, IdpBridgeError, TokenValidationError
from ..methods import FinishOIDC, Method, Request, StartOIDC
from ..outcomes import Authenticated, InputRequired, Outcome
from ..registry import default_registry
from ..replay import MemoryReplayStore
from ._idp import Reply, ScriptedIdP
from ._oidc import HOSTILE_ID_TOKENS, OIDCIdP

__all__ = ["RULES", "Flow", "Rule", "RuleBroken", "Subject", "SubjectError", "run_rule"]

#: What a stable error code looks like: lower-case words, dot-separated (``flow.reused``).
CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")


@dataclasses.dataclass(frozen=True)
class Flow:
    """A multi-step flow: ``start`` returns a step with a continuation; ``resume(step)`` builds the
    request that finishes it (e.g. ``lambda step: Answer(step.continuation, {"code": "123456"})``,
    or :meth:`OIDCIdP.callback`)."""

    start: Request
    resume: Callable[[Outcome], Request]


@dataclasses.dataclass(frozen=True)
class Subject:
    """The connector under test, its scripted IdP, and what to ask it.

    Args:
        provider: the registry name (the connector is looked up as users do) or the class.
        config: its configuration fields (pointing at ``idp.url(...)``).
        secrets: values planted in the test (passwords, API keys, client secrets) that must never
            show in a ``repr``, a message or a log record.
        login: a request that succeeds against the scripted IdP.
        refused: a request the IdP refuses (a wrong password): it must raise a typed error.
        flow: a multi-step flow that succeeds, if the connector has one.
        idp: the scripted IdP (fault injection, cancellation and request checks need it).
        oidc: the scripted OpenID provider, for an OpenID Connect connector (hostile ID tokens).
    """

    provider: str | type[Connector[Any]]
    config: Mapping[str, Any]
    secrets: Sequence[str] = ()
    login: Request | None = None
    refused: Request | None = None
    flow: Flow | None = None
    idp: ScriptedIdP | None = None
    oidc: OIDCIdP | None = None

    def __post_init__(self) -> None:
        if self.login is None and self.flow is None:
            raise ValueError("a Subject needs a login request or a flow")


class RuleBroken(AssertionError):
    """A conformance rule is broken; the message says which and how."""

    def __init__(self, rule: str, problem: str) -> None:
        self.rule, self.problem = rule, problem
        super().__init__(f"[{rule}] {problem}")


class SubjectError(Exception):
    """The subject itself is wrong (its connector cannot be built): no rule could be judged."""


class NotApplicable(Exception):
    """The rule does not apply to this connector (the reason says why)."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """One conformance rule: ``id`` (stable, shown in reports), what it requires, and its check
    (a coroutine function run on a fresh event loop or, when ``blocking``, a plain function run
    outside any loop)."""

    id: str
    title: str
    check: Callable[[Bench], Awaitable[None]] | Callable[[Bench], None]
    blocking: bool = False


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _outline(result: Outcome | BaseException) -> str:
    """What must be equal between two runs of the same request (sync and async)."""
    if isinstance(result, IdpBridgeError):
        return f"{type(result).__name__}(code={result.code!r})"
    if isinstance(result, BaseException):
        return type(result).__name__
    if isinstance(result, Authenticated):
        return f"Authenticated(key={result.identity.key!r}, method={result.method!r})"
    if isinstance(result, InputRequired):
        return f"InputRequired(fields={result.field_names!r})"
    return type(result).__name__


class Bench:
    """What a rule runs with: the subject, fresh connectors, captured objects."""

    def __init__(self, subject: Subject, rule: str) -> None:
        self.subject, self.rule = subject, rule
        key = ContinuationKeys.new_key()
        self.keys = ContinuationKeys([key])
        self.key_text = [key]  # planted too: a continuation key must never show
        self.made: list[Connector[Any]] = []
        self.seen: list[object] = []  # outcomes, errors, reports: everything a caller gets back

    def broken(self, problem: str) -> RuleBroken:
        return RuleBroken(self.rule, problem)

    def cls(self) -> type[Connector[Any]]:
        provider = self.subject.provider
        return provider if isinstance(provider, type) else default_registry().get(provider)

    def connector(
        self,
        *,
        instance_name: str | None = None,
        keys: ContinuationKeys | None = None,
        clock: Callable[[], float] = time.time,
        **fields: Any,
    ) -> Connector[Any]:
        try:
            conn = self.cls()(
                {**self.subject.config, **fields},
                instance_name=instance_name,
                continuation_keys=keys or self.keys,
                clock=clock,
                replay_store=MemoryReplayStore(),
            )
        except IdpBridgeError as exc:
            raise SubjectError(f"the subject's connector cannot be built: {exc}") from exc
        self.made.append(conn)
        return conn

    async def aclose(self) -> None:
        for conn in self.made:
            await conn.aclose()

    async def call(
        self, conn: Connector[Any], request: Request, what: str, *, strict: bool = True
    ) -> Outcome | Exception:
        """``conn.authenticate(request)``: the outcome or the typed error; anything else breaks
        the typed-errors rule (``strict``) or is returned (rules that judge something else)."""
        try:
            outcome = await conn.authenticate(request)
        except IdpBridgeError as exc:
            self.seen.append(exc)
            return exc
        except Exception as exc:
            if not strict:
                self.seen.append(exc)
                return exc
            raise RuleBroken(
                "errors.typed",
                f"{what} raised {type(exc).__name__} ({_short(exc)}); every failure must be an "
                "IdpBridgeError subclass with a stable code (wrap it: raise ProviderError(...) from exc)",
            ) from exc
        self.seen.append(outcome)
        return outcome

    def flow(self) -> Flow:
        if self.subject.flow is None:
            raise NotApplicable("the subject declares no multi-step flow (Subject.flow)")
        return self.subject.flow

    async def started(self, conn: Connector[Any]) -> tuple[Outcome, Request]:
        """Start the subject's flow; returns the step and the request that resumes it."""
        flow = self.flow()
        step = await self.call(conn, flow.start, f"starting the flow ({type(flow.start).__name__})")
        if isinstance(step, BaseException):
            raise self.broken(f"starting the flow failed: {_outline(step)}: {step}")
        if getattr(step, "continuation", None) is None:
            raise self.broken(f"the flow's start returned {type(step).__name__} without a continuation")
        return step, flow.resume(step)

    def idp(self) -> ScriptedIdP:
        if self.subject.idp is None:
            raise NotApplicable("the subject has no scripted IdP (Subject.idp)")
        return self.subject.idp


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def _with_continuation(request: Request, token: str) -> Request:
    if not hasattr(request, "continuation"):
        raise NotApplicable(f"{type(request).__name__} carries no continuation")
    return dataclasses.replace(request, continuation=SecretStr(token))  # type: ignore[type-var]


def _token(step: Outcome) -> str:
    cont = getattr(step, "continuation", None)
    return cont.get_secret_value() if isinstance(cont, SecretStr) else str(cont)


async def _expect_flow_error(
    b: Bench, conn: Connector[Any], request: Request, codes: set[str], what: str
) -> None:
    idp = b.subject.idp
    before = len(idp.requests) if idp is not None else 0
    got = await b.call(conn, request, what)
    if not isinstance(got, FlowError) or got.code not in codes:
        raise b.broken(
            f"{what}: expected FlowError with code {' or '.join(sorted(codes))}, got {_outline(got)}"
        )
    if idp is not None and len(idp.requests) > before:
        sent = idp.requests[before]
        raise b.broken(f"{what} was refused, but only after a request to the IdP ({sent.method} {sent.path})")


# -- the rules ----------------------------------------------------------------------------------


async def _tour(b: Bench) -> Connector[Any]:
    """Everything a caller does: log in, be refused, run the flow, check."""
    conn = b.connector()
    s = b.subject
    for request in (s.login, s.refused):
        if request is not None:
            await b.call(conn, request, "", strict=False)
    if s.flow is not None:
        step = await b.call(conn, s.flow.start, "", strict=False)
        if not isinstance(step, Exception) and getattr(step, "continuation", None) is not None:
            await b.call(conn, s.flow.resume(step), "", strict=False)
    b.seen.append(await conn.check())
    return conn


def _planted(b: Bench) -> list[str]:
    return [x for x in (*b.subject.secrets, *b.key_text) if len(x) >= 4]


def _texts(obj: object) -> Iterator[tuple[str, str]]:
    yield "repr()", repr(obj)
    yield "str()", str(obj)
    if isinstance(obj, BaseException):
        yield "args", repr(obj.args)
        details = getattr(obj, "details", None)
        if details:
            yield "details", repr(details)
    if isinstance(obj, CheckReport):
        yield "as_dict()", repr(obj.as_dict())
    if isinstance(obj, Authenticated):
        yield "identity", repr(obj.identity)


async def secrets_repr(b: Bench) -> None:
    conn = await _tour(b)
    for obj in [conn, conn.config, *b.seen]:
        for where, text in _texts(obj):
            for secret in _planted(b):
                if secret in text:
                    raise b.broken(
                        f"the planted secret {secret[:3]}… appears in the {where} of a "
                        f"{type(obj).__name__}; declare it SecretStr and never format it"
                    )


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def all_loggers_at_debug() -> Iterator[_Capture]:
    """Every logger at DEBUG, every record captured (loggers that do not propagate included)."""
    capture = _Capture()
    loggers = [
        logging.getLogger(),
        *(lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    attached = [lg for lg in loggers if lg is logging.getLogger() or not lg.propagate]
    saved_disable = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    for lg in attached:
        lg.addHandler(capture)
    try:
        yield capture
    finally:
        for lg in attached:
            lg.removeHandler(capture)
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled
        logging.disable(saved_disable)


#: The attributes every log record has; anything else came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)))


async def secrets_logs(b: Bench) -> None:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    with all_loggers_at_debug() as capture:
        await _tour(b)
        await b.aclose()
    for record in capture.records:
        try:
            text = formatter.format(record) + repr(record.args)
        except Exception:  # a record that cannot be formatted: judge its parts
            text = f"{record.msg!r} {record.args!r}"
        text += " " + repr({k: v for k, v in vars(record).items() if k not in _STANDARD})  # extra=...
        for secret in _planted(b):
            if secret in text:
                raise b.broken(
                    f"the planted secret {secret[:3]}… was logged by logger {record.name!r} at "
                    f"{record.levelname} ({record.pathname.rsplit('/', 1)[-1]}:{record.lineno}); "
                    "never log credentials, even at DEBUG"
                )


#: Broken IdP answers every call must survive with an outcome or a typed error.
CHAOS: Mapping[str, Reply] = {
    "HTTP 500": Reply(500, json={"error": "server_error"}),
    "HTTP 200 with an HTML page": Reply(
        200, body="<html>maintenance</html>", headers={"Content-Type": "text/html"}
    ),
    "HTTP 200 with an empty JSON object": Reply(200, json={}),
    "HTTP 400 with a JSON list": Reply(400, json=["unexpected"]),
    "HTTP 404": Reply(404, body="not found"),
}


async def errors_typed(b: Bench) -> None:
    s = b.subject
    if s.refused is not None:
        got = await b.call(b.connector(), s.refused, "the refused request")
        if not isinstance(got, IdpBridgeError):
            raise b.broken(f"the refused request succeeded ({_outline(got)}); it must raise")
        if not CODE.fullmatch(got.code) or got.code == "error":
            raise b.broken(
                f"{type(got).__name__} has no stable code ({got.code!r}); raise a specific subclass"
            )
    if s.idp is None:
        return
    calls = [("the login request", s.login), ("starting the flow", s.flow.start if s.flow else None)]
    for name, reply in CHAOS.items():
        conn = b.connector(retries=1)
        try:
            resume = None
            if s.flow is not None:
                s.idp.chaos(None)
                _step, resume = await b.started(conn)
            s.idp.chaos(reply)
            for what, request in [*calls, ("resuming the flow", resume)]:
                if request is not None:
                    await b.call(conn, request, f"{what}, when the IdP answers {name},")
        finally:
            s.idp.chaos(None)


async def continuations_sealed(b: Bench) -> None:
    conn = b.connector()
    step, _resume = await b.started(conn)
    token = _token(step)
    for secret in _planted(b):
        if secret in token:
            raise b.broken(
                f"the planted secret {secret[:3]}… is readable in the continuation; seal it with self.seal()"
            )
    try:
        conn.continuations.open(token)
    except FlowError as exc:
        raise b.broken(
            f"the continuation was not sealed by this connector's self.seal() ({exc.code})"
        ) from exc


async def continuations_tampered(b: Bench) -> None:
    conn = b.connector()
    step, resume = await b.started(conn)
    token = _token(step)
    mid = len(token) // 2
    forged = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1 :]
    await _expect_flow_error(
        b,
        conn,
        _with_continuation(resume, forged),
        {"flow.tampered", "flow.malformed"},
        "a tampered continuation",
    )


async def continuations_foreign(b: Bench) -> None:
    conn = b.connector(instance_name="tenant-a")
    _step, resume = await b.started(conn)
    other = b.connector(instance_name="tenant-b")
    await _expect_flow_error(
        b, other, resume, {"flow.wrong_connector"}, "a continuation of another connector instance"
    )
    stranger = b.connector(instance_name="tenant-a", keys=ContinuationKeys([ContinuationKeys.new_key()]))
    await _expect_flow_error(
        b, stranger, resume, {"flow.unknown_key"}, "a continuation sealed with another key"
    )


async def continuations_wrong_method(b: Bench) -> None:
    conn = b.connector()
    _step, resume = await b.started(conn)
    other = Method.PASSWORD if isinstance(resume, FinishOIDC) else Method.OIDC
    forged, _ = conn.seal(other, {})
    await _expect_flow_error(
        b,
        conn,
        _with_continuation(resume, forged.get_secret_value()),
        {"flow.wrong_method"},
        f"a continuation sealed for method {other.value!r}",
    )


async def continuations_expired(b: Bench) -> None:
    clock = _Clock()
    conn = b.connector(clock=clock)
    _step, resume = await b.started(conn)
    clock.now += conn.config.continuation_ttl + 1
    await _expect_flow_error(b, conn, resume, {"flow.expired"}, "a continuation past its continuation_ttl")


async def continuations_replayed(b: Bench) -> None:
    conn = b.connector()
    _step, resume = await b.started(conn)
    first = await b.call(conn, resume, "resuming the flow")
    if isinstance(first, BaseException):
        raise b.broken(f"resuming the flow failed the first time: {_outline(first)}: {first}")
    await _expect_flow_error(
        b,
        conn,
        resume,
        {"flow.reused"},
        "the same continuation used a second time (call await self.consume_continuation(continuation) "
        "before acting on it)",
    )


async def check_typed(b: Bench) -> None:
    conn = b.connector()
    try:
        report = await conn.check()
    except Exception as exc:
        raise b.broken(
            f"check() raised {type(exc).__name__} ({_short(exc)}); it must report, never raise"
        ) from exc
    _check_report(b, conn, report)
    if not report.ok:
        failed = ", ".join(f"{r.name}: {r.detail}" for r in report.results if not r.ok)
        raise b.broken(f"check() against the healthy scripted IdP failed: {failed}")
    if b.subject.idp is not None:
        b.subject.idp.chaos(CHAOS["HTTP 500"])
        try:
            report = await b.connector(retries=1).check()
        except Exception as exc:
            raise b.broken(f"check() raised {type(exc).__name__} while the IdP answers HTTP 500") from exc
        finally:
            b.subject.idp.chaos(None)
        _check_report(b, conn, report)


def _check_report(b: Bench, conn: Connector[Any], report: object) -> None:
    if not isinstance(report, CheckReport):
        raise b.broken(f"check() returned {type(report).__name__}, not a CheckReport")
    if not report.results:
        raise b.broken("check() ran no probe")
    for r in report.results:
        if not isinstance(r, CheckResult):
            raise b.broken(f"a probe returned {type(r).__name__}, not a CheckResult (use timed_probe())")
        if not (isinstance(r.name, str) and r.name and isinstance(r.ok, bool) and isinstance(r.detail, str)):
            raise b.broken(f"probe {r.name!r} is not typed: name str, ok bool, detail str")
        if not isinstance(r.duration_ms, int | float) or r.duration_ms < 0:
            raise b.broken(f"probe {r.name!r} has no duration (use timed_probe())")


def _sync_outlines(b: Bench, requests: list[tuple[str, Request | None]]) -> list[str]:
    sync = b.connector().sync()
    out = []
    try:
        for _what, request in requests:
            if request is None:
                continue
            try:
                out.append(_outline(sync.authenticate(request)))
            except Exception as exc:
                out.append(_outline(exc))
        if b.subject.flow is not None:
            try:
                step = sync.authenticate(b.subject.flow.start)
                out.append(_outline(step))
                out.append(_outline(sync.authenticate(b.subject.flow.resume(step))))
            except Exception as exc:
                out.append(_outline(exc))
    finally:
        sync.close()
    return out


async def _async_outlines(b: Bench, requests: list[tuple[str, Request | None]]) -> list[str]:
    conn = b.connector()
    out = []
    for what, request in requests:
        if request is not None:
            out.append(_outline(await b.call(conn, request, what, strict=False)))
    if b.subject.flow is not None:
        step = await b.call(conn, b.subject.flow.start, "starting the flow", strict=False)
        out.append(_outline(step))
        if not isinstance(step, BaseException):
            resumed = await b.call(conn, b.subject.flow.resume(step), "resuming the flow", strict=False)
            out.append(_outline(resumed))
    return out


def sync_parity(b: Bench) -> None:
    """Sync and async give the same outcomes (run outside any event loop)."""
    subject = b.subject
    requests = [("the login request", subject.login), ("the refused request", subject.refused)]

    async def run_async() -> list[str]:
        try:
            return await _async_outlines(b, requests)
        finally:
            await b.aclose()

    expected = asyncio.run(run_async())
    got = _sync_outlines(b, requests)
    if got != expected:
        diff = "; ".join(f"async {a} / sync {s}" for a, s in zip(expected, got, strict=False) if a != s)
        raise b.broken(f"the sync facade and the async API disagree: {diff or (expected, got)}")


async def cancel_no_leak(b: Bench) -> None:
    idp = b.idp()
    conn = b.connector()
    if b.subject.login is not None:
        request: Request = b.subject.login
    else:  # cancel the flow's resume (its start may make no request at all)
        _step, request = await b.started(conn)
    before = asyncio.all_tasks()
    release = idp.hold_next()
    task = asyncio.create_task(conn.authenticate(request))
    for _ in range(1000):  # until the IdP holds the request (bounded: 10 s)
        if idp.wait_held(0) or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        release.set()
        raise NotApplicable("the call made no request to the IdP to cancel")
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except BaseException as exc:
        release.set()
        raise b.broken(f"a cancelled call raised {type(exc).__name__} instead of CancelledError") from exc
    else:
        release.set()
        raise b.broken("a cancelled call returned instead of raising CancelledError")
    release.set()
    for _ in range(50):
        left = [t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()]
        if not left:
            break
        await asyncio.sleep(0.02)
    else:
        names = ", ".join(sorted(t.get_coro().__qualname__ for t in left))  # type: ignore[union-attr]
        raise b.broken(f"cancelling a call left tasks running: {names}")
    await b.aclose()
    for _ in range(500):  # the server sees the client's sockets close (bounded: 10 s)
        if idp.open_connections == 0:
            return
        await asyncio.sleep(0.02)
    raise b.broken(
        f"after a cancelled call and aclose(), {idp.open_connections} connection(s) to the IdP stay open; "
        "use self.http (closed by aclose()) for every request"
    )


def _hostile(kind: str) -> Callable[[Bench], Awaitable[None]]:
    async def check(b: Bench) -> None:
        oidc = b.subject.oidc
        if oidc is None:
            raise NotApplicable("not an OpenID Connect subject (Subject.oidc)")
        flow = b.flow()
        if not isinstance(flow.start, StartOIDC):
            raise NotApplicable("the subject's flow is not StartOIDC")
        conn = b.connector()
        _step, resume = await b.started(conn)
        oidc.hostile(kind)
        oidc.token_request_index = None
        try:
            got = await b.call(conn, resume, f"finishing the flow with {HOSTILE_ID_TOKENS[kind]}")
        finally:
            oidc.hostile(None)
        if oidc.token_request_index is None:
            raise b.broken("finishing the flow never called the token endpoint")
        if not isinstance(got, TokenValidationError):
            raise b.broken(
                f"{HOSTILE_ID_TOKENS[kind]} was not refused with TokenValidationError: {_outline(got)}"
            )
        # Fetching the published keys is part of validating; anything else must not happen.
        jwks = oidc.prefix + "/jwks"
        after = [r for r in b.idp().requests[oidc.token_request_index + 1 :] if r.path != jwks]
        if after:
            raise b.broken(
                f"{HOSTILE_ID_TOKENS[kind]} was refused, but only after another request "
                f"({after[0].method} {after[0].path}); validate the ID token before any other call "
                "(only its keys may be fetched)"
            )

    return check


RULES: Mapping[str, Rule] = {
    r.id: r
    for r in [
        Rule(
            "secrets.repr",
            "repr()/str() of the connector, config, outcomes, errors and reports never show a planted secret",
            secrets_repr,
        ),
        Rule("secrets.logs", "no log record (every logger at DEBUG) contains a planted secret", secrets_logs),
        Rule(
            "errors.typed",
            "every failure is an IdpBridgeError with a stable code, whatever the IdP answers",
            errors_typed,
        ),
        Rule(
            "continuations.sealed",
            "continuations are sealed by self.seal(): nothing readable",
            continuations_sealed,
        ),
        Rule(
            "continuations.tampered",
            "a tampered continuation raises FlowError flow.tampered",
            continuations_tampered,
        ),
        Rule(
            "continuations.foreign",
            "another instance's or key's continuation raises flow.wrong_connector / flow.unknown_key",
            continuations_foreign,
        ),
        Rule(
            "continuations.wrong_method",
            "a continuation of another method raises flow.wrong_method",
            continuations_wrong_method,
        ),
        Rule("continuations.expired", "an expired continuation raises flow.expired", continuations_expired),
        Rule(
            "continuations.replayed",
            "a continuation works once: a replay raises flow.reused",
            continuations_replayed,
        ),
        Rule(
            "check.typed",
            "check() reports (never raises) and every probe is a typed CheckResult",
            check_typed,
        ),
        Rule(
            "sync.parity",
            "the sync facade gives the same outcomes as the async API",
            sync_parity,
            blocking=True,
        ),
        Rule(
            "cancel.no_leak",
            "a call cancelled mid-request leaves no task and no open connection",
            cancel_no_leak,
        ),
        *(
            Rule(f"oidc.{k}", f"{v} is refused, with no request after it", _hostile(k))
            for k, v in HOSTILE_ID_TOKENS.items()
        ),
    ]
}


def run_rule(rule_id: str, subject: Subject) -> str | None:
    """Run one rule; ``None`` when it holds, the reason when it does not apply. Raises
    :class:`RuleBroken` when it is broken, :class:`SubjectError` when the subject is unusable."""
    rule, b = RULES[rule_id], Bench(subject, rule_id)

    async def run() -> None:
        try:
            await rule.check(b)  # type: ignore[misc]  # not blocking: a coroutine function
        finally:
            await b.aclose()

    try:
        if rule.blocking:
            rule.check(b)
        else:
            asyncio.run(run())
    except NotApplicable as exc:
        return str(exc)
    return None
