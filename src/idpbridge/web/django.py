"""The Django adapter (``pip install "idpbridge[django]"``).

::

    auth = WebAuth(connectors, secret=settings.SECRET_KEY, on_success=start_session, base="/auth")
    urlpatterns = [path("auth/", include(idpbridge.web.django.urls(auth)))]

CSRF is Django's own: forms carry ``csrfmiddlewaretoken`` and ``CsrfViewMiddleware`` checks it;
the IdP callbacks (OIDC ``form_post``, SAML ACS) are exempt, as a cross-site POST from the IdP
must be. The views are synchronous and run the async flow on one private event loop thread,
like :meth:`idpbridge.Connector.sync`, so the connectors' HTTP pools live on one loop: close
them there too, ``idpbridge.web.django.run(connectors.aclose())``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from ._auth import WebAuth
from ._http import WebRequest, WebResponse
from ._loop import run

__all__ = ["run", "to_response", "to_web_request", "urls"]

#: The IdP's own requests (a cross-site POST for form_post and SAML): exempt from Django's CSRF
#: check; ``state`` and the signed flow cookie protect them.
_CALLBACKS = r"^(?P<subpath>[^/]+/oidc/callback|[^/]+/saml/acs|org/callback)/?$"


def to_web_request(request: HttpRequest) -> WebRequest:
    """A :class:`~idpbridge.web.WebRequest` from a Django request (Django checks CSRF)."""
    return WebRequest(
        method=request.method or "GET",
        base_url=f"{request.scheme}://{request.get_host()}",
        path=request.path,
        query={k: str(v) for k, v in request.GET.items()},
        form={k: str(v) for k, v in request.POST.items()} if request.method == "POST" else {},
        cookies=dict(request.COOKIES),
        accept=request.headers.get("Accept", ""),
        framework_csrf=("csrfmiddlewaretoken", get_token(request)),
        native=request,
    )


def to_response(answer: WebResponse) -> HttpResponse:
    """A Django response with the answer's headers and cookies."""
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.all_headers().items():
        response[name] = value
    for c in answer.cookies:
        response.set_cookie(c.name, c.value, **c.options(title_case=True))
    return response


def urls(auth: WebAuth) -> list[URLPattern]:
    """The URL patterns of ``auth``'s routes; ``include()`` them at ``auth.base``."""

    def view(request: HttpRequest, subpath: str) -> HttpResponse:
        answer = run(auth.handle(to_web_request(request), subpath))
        return to_response(answer)

    def callback(request: HttpRequest, subpath: str) -> HttpResponse:
        return view(request, subpath)

    exempt: Any = csrf_exempt(callback)
    return [
        re_path(_CALLBACKS, exempt, name="idpbridge-callback"),
        re_path(r"^(?P<subpath>.*)$", view, name="idpbridge"),
    ]
