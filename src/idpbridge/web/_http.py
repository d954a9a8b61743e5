"""The framework-neutral request and response the adapters translate to and from."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["Cookie", "WebRequest", "WebResponse"]


@dataclasses.dataclass(frozen=True, slots=True)
class WebRequest:
    """What a route needs from an HTTP request.

    ``base_url`` is the scheme and host the browser used (``https://app.example.com``), for the
    absolute callback URLs; ``path`` the request path. ``framework_csrf`` is set by an adapter
    whose framework checks CSRF itself (Django): ``(form field name, token)`` to put in forms;
    then :class:`~idpbridge.web.WebAuth` does not check its own token. ``native`` is the
    framework's own request (a Starlette ``Request``, a Django ``HttpRequest``), for your
    ``on_success`` to reach its session.
    """

    method: str
    base_url: str
    path: str
    query: Mapping[str, str] = dataclasses.field(default_factory=dict)
    form: Mapping[str, str] = dataclasses.field(default_factory=dict)
    cookies: Mapping[str, str] = dataclasses.field(default_factory=dict)
    accept: str = ""
    framework_csrf: tuple[str, str] | None = None
    native: Any = dataclasses.field(default=None, compare=False)

    def __repr__(self) -> str:  # the form may hold a password
        return f"WebRequest({self.method} {self.path}, form=<{len(self.form)} fields>)"

    @property
    def wants_json(self) -> bool:
        """Whether the client asked for JSON rather than a page."""
        return "application/json" in self.accept and "text/html" not in self.accept


@dataclasses.dataclass(frozen=True, slots=True)
class Cookie:
    """A ``Set-Cookie``: ``max_age=0`` deletes it."""

    name: str
    value: str
    path: str
    max_age: int | None
    secure: bool
    samesite: Literal["lax", "strict", "none"]
    httponly: bool = True

    def __repr__(self) -> str:  # a flow cookie carries a continuation
        return f"Cookie({self.name!r}, path={self.path!r}, max_age={self.max_age})"

    def options(self, *, title_case: bool = False) -> dict[str, Any]:
        """The keyword arguments of a framework's ``set_cookie(name, value, **options)``
        (``title_case``: ``SameSite`` spelled ``"Lax"``, as Django and Flask want it)."""
        samesite = self.samesite.title() if title_case else self.samesite
        return {
            "max_age": self.max_age, "path": self.path, "secure": self.secure, "httponly": self.httponly,
            "samesite": samesite,
        }  # fmt: skip


@dataclasses.dataclass(slots=True)
class WebResponse:
    """An HTTP answer: ``body`` (HTML or JSON text), headers and cookies to set."""

    status: int = 200
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    cookies: list[Cookie] = dataclasses.field(default_factory=list)

    @classmethod
    def redirect(cls, location: str, *, status: int = 303) -> WebResponse:
        """A redirect (303: the browser follows with a GET)."""
        return cls(status=status, headers={"Location": location}, content_type="text/plain; charset=utf-8")

    @classmethod
    def json_body(cls, data: object, *, status: int = 200) -> WebResponse:
        """A JSON answer."""
        return cls(status=status, body=json.dumps(data), content_type="application/json")

    def all_headers(self) -> dict[str, str]:
        """``headers`` with ``Cache-Control: no-store`` unless set: sign-in pages are never cached."""
        return {"Cache-Control": "no-store", **self.headers}

    def __repr__(self) -> str:
        return f"WebResponse(status={self.status}, cookies={self.cookies!r})"
