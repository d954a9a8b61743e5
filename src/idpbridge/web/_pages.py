"""Framework-agnostic page descriptions and the minimal default HTML for them.

:class:`Step` describes an ``InputRequired`` or ``CodeSent`` step as a form; :class:`LoginPage`
the sign-in choices; :class:`ErrorPage` a refusal. :class:`Templates` turns each into HTML: pass
your own callables (Jinja2, Django templates, anything returning ``str``) to restyle them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from html import escape

from ..outcomes import CodeSent, InputRequired

__all__ = ["ErrorPage", "LoginOption", "LoginPage", "Step", "StepField", "Templates"]


@dataclasses.dataclass(frozen=True, slots=True)
class StepField:
    """One input of a step: HTML ``type``, ``autocomplete`` and ``inputmode`` chosen for it."""

    name: str
    label: str
    type: str = "text"
    autocomplete: str = "off"
    inputmode: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """A next step as a form: POST ``fields`` plus ``hidden`` to ``action``.

    ``kind`` is ``"input"`` (an ``InputRequired``) or ``"code"`` (a ``CodeSent``);
    ``destination`` the IdP's masked address for a sent code; ``message`` an error to show.
    """

    kind: str
    title: str
    action: str
    fields: tuple[StepField, ...]
    hidden: Mapping[str, str]
    expires_at: dt.datetime
    destination: str | None = None
    message: str | None = None

    def __repr__(self) -> str:  # hidden fields carry the CSRF token (and the flow, in form mode)
        return f"Step(kind={self.kind!r}, action={self.action!r}, fields={[f.name for f in self.fields]!r})"

    @classmethod
    def from_outcome(
        cls, outcome: InputRequired | CodeSent, *, action: str, hidden: Mapping[str, str]
    ) -> Step:
        """Describe an outcome as a form (code fields get ``one-time-code`` and a numeric keypad)."""
        if isinstance(outcome, CodeSent):
            field = StepField("code", "Code", "text", "one-time-code", "numeric")
            where = f" to {outcome.destination}" if outcome.destination else ""
            title = f"Enter the code we sent by {outcome.channel.value}{where}"
            return cls("code", title, action, (field,), hidden, outcome.expires_at, outcome.destination)
        fields = tuple(_field(f.name, f.kind, f.secret, f.label) for f in outcome.fields)
        return cls("input", "One more step", action, fields, hidden, outcome.expires_at)


def _field(name: str, kind: str, secret: bool, label: str | None) -> StepField:
    if kind in ("totp", "otp", "code"):
        return StepField(name, label or "One-time code", "text", "one-time-code", "numeric")
    if kind == "password" or secret:
        return StepField(name, label or name, "password", "current-password")
    return StepField(name, label or name)


@dataclasses.dataclass(frozen=True, slots=True)
class LoginOption:
    """One connector on the sign-in page and what it offers (``password``, ``email_otp``, ``oidc``…)."""

    connector: str
    title: str
    methods: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class LoginPage:
    """The sign-in page: ``base`` is the routes' mount path; ``hidden`` the CSRF field."""

    base: str
    options: tuple[LoginOption, ...]
    hidden: Mapping[str, str]
    organizations: bool = False
    username: str = ""
    message: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorPage:
    """A refusal: status, machine code, safe message and where to start again."""

    status: int
    code: str
    message: str
    restart: str


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main>{body}</main></body></html>"
    )


def _hidden(values: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in values.items())


def _message(message: str | None) -> str:
    return f'<p id="error" role="alert">{escape(message)}</p>' if message else ""


def render_login(page: LoginPage) -> str:
    """The default sign-in page: one section per connector, one form per method."""
    parts = [f"<h1>Sign in</h1>{_message(page.message)}"]
    hidden = _hidden(page.hidden)
    user = escape(page.username)
    for opt in page.options:
        base = f"{escape(page.base)}/{escape(opt.connector)}"
        forms = []
        if "password" in opt.methods:
            forms.append(
                f'<form method="post" action="{base}/password" id="password-{escape(opt.connector)}">'
                f'{hidden}<label>Username <input name="username" autocomplete="username" value="{user}" '
                'required></label> <label>Password <input name="password" type="password" '
                'autocomplete="current-password" required></label> '
                '<button type="submit">Sign in</button></form>'
            )
        for method, channel in (("email_otp", "email"), ("sms_otp", "sms")):
            if method in opt.methods:
                forms.append(
                    f'<form method="post" action="{base}/otp" id="{channel}-{escape(opt.connector)}">{hidden}'
                    f'<input type="hidden" name="channel" value="{channel}"><label>Username '
                    f'<input name="username" autocomplete="username" required></label> '
                    f'<button type="submit">Send me a code by {channel}</button></form>'
                )
        for method in ("oidc", "saml"):
            if method in opt.methods:
                forms.append(
                    f'<form method="post" action="{base}/{method}" id="{method}-{escape(opt.connector)}">'
                    f'{hidden}<button type="submit">Continue with {escape(opt.title)}</button></form>'
                )
        parts.append(f"<section><h2>{escape(opt.title)}</h2>{''.join(forms)}</section>")
    if page.organizations:
        parts.append(
            f'<section><h2>Company account</h2><form method="post" action="{escape(page.base)}/org" '
            f'id="org">{hidden}<label>Work e-mail <input name="email" type="email" autocomplete="email" '
            'required></label> <button type="submit">Continue</button></form></section>'
        )
    return _page("Sign in", "".join(parts))


def render_step(step: Step) -> str:
    """The default step page: the step's fields in one form."""
    inputs = "".join(
        f'<label>{escape(f.label)} <input name="{escape(f.name)}" id="{escape(f.name)}" '
        f'type="{escape(f.type)}" autocomplete="{escape(f.autocomplete)}"'
        + (f' inputmode="{escape(f.inputmode)}"' if f.inputmode else "")
        + " required autofocus></label> "
        for f in step.fields
    )
    body = (
        f"<h1>{escape(step.title)}</h1>{_message(step.message)}"
        f'<form method="post" action="{escape(step.action)}" id="step">{_hidden(step.hidden)}{inputs}'
        '<button type="submit">Continue</button></form>'
    )
    return _page(step.title, body)


def render_error(page: ErrorPage) -> str:
    """The default error page: the safe message, the code, and a link to start again."""
    body = (
        f"<h1>Sign-in failed</h1>{_message(page.message)}"
        f'<p>Code: <code id="code">{escape(page.code)}</code></p>'
        f'<p><a href="{escape(page.restart)}" id="restart">Start again</a></p>'
    )
    return _page("Sign-in failed", body)


@dataclasses.dataclass(frozen=True, slots=True)
class Templates:
    """How pages become HTML; replace any of the three with your own ``(page) -> str``."""

    login: Callable[[LoginPage], str] = render_login
    step: Callable[[Step], str] = render_step
    error: Callable[[ErrorPage], str] = render_error
