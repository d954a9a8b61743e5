"""The Starlette/FastAPI adapter (``pip install "idpbridge[fastapi]"`` or ``[starlette]``).

::

    auth = WebAuth(connectors, secret=..., on_success=start_session, base="/auth")
    app.mount("/auth", idpbridge.web.starlette.app(auth))     # FastAPI or Starlette
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._auth import WebAuth
from ._http import WebRequest, WebResponse

__all__ = ["app", "to_response", "to_web_request"]

#: More form fields than this are refused while parsing (a sign-in form has a handful; file
#: uploads are refused outright).
MAX_FORM_FIELDS = 50


async def to_web_request(request: Request) -> WebRequest:
    """A :class:`~idpbridge.web.WebRequest` from a Starlette request (reads the form of a POST)."""
    form: dict[str, str] = {}
    if request.method == "POST":
        async with request.form(max_files=0, max_fields=MAX_FORM_FIELDS) as data:
            form = {k: v for k, v in data.items() if isinstance(v, str)}
    return WebRequest(
        method=request.method,
        base_url=f"{request.url.scheme}://{request.url.netloc}",
        path=request.url.path,
        query=dict(request.query_params),
        form=form,
        cookies=dict(request.cookies),
        accept=request.headers.get("accept", ""),
        native=request,
    )


def to_response(answer: WebResponse) -> Response:
    """A Starlette response with the answer's headers and cookies."""
    response = Response(answer.body, status_code=answer.status, media_type=answer.content_type)
    for name, value in answer.all_headers().items():
        response.headers[name] = value
    for c in answer.cookies:
        response.set_cookie(c.name, c.value, **c.options())
    return response


def app(auth: WebAuth) -> Starlette:
    """An ASGI app serving ``auth``'s routes; mount it at ``auth.base``."""

    async def endpoint(request: Request) -> Response:
        return to_response(await auth.handle(await to_web_request(request), request.path_params["path"]))

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])
