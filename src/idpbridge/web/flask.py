"""The Flask adapter (``pip install "idpbridge[flask]"``).

::

    auth = WebAuth(connectors, secret=os.environ["WEB_SECRET"], on_success=start_session, base="/auth")
    app.register_blueprint(idpbridge.web.flask.blueprint(auth))

CSRF is idpbridge's signed double submit (Flask has none of its own). The views are synchronous
and run the async flow on one private event loop thread, like :meth:`idpbridge.Connector.sync`;
close the connectors there too, ``idpbridge.web.flask.run(connectors.aclose())``.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, request

from ._auth import WebAuth
from ._http import WebRequest, WebResponse
from ._loop import run

__all__ = ["blueprint", "run", "to_response", "to_web_request"]


def to_web_request(req: Request) -> WebRequest:
    """A :class:`~idpbridge.web.WebRequest` from a Flask request."""
    return WebRequest(
        method=req.method,
        base_url=req.host_url.rstrip("/"),
        path=req.path,
        query=req.args.to_dict(),
        form=req.form.to_dict() if req.method == "POST" else {},
        cookies=req.cookies.to_dict(),
        accept=req.headers.get("Accept", ""),
        native=req,
    )


def to_response(answer: WebResponse) -> Response:
    """A Flask response with the answer's headers and cookies."""
    response = Response(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.all_headers().items():
        response.headers[name] = value
    for c in answer.cookies:
        response.set_cookie(c.name, c.value, **c.options(title_case=True))
    return response


def blueprint(auth: WebAuth, *, name: str = "idpbridge") -> Blueprint:
    """A blueprint serving ``auth``'s routes at ``auth.base``; register it on your app."""
    bp = Blueprint(name, __name__, url_prefix=auth.base or None)

    def view(subpath: str) -> Response:
        return to_response(run(auth.handle(to_web_request(request), subpath)))

    bp.add_url_rule("/<path:subpath>", "routes", view, methods=["GET", "POST"])
    return bp
