# urls.py of an existing Django project, with idpbridge's sign-in routes added.
from django.conf import settings
from django.urls import include, path

import idpbridge
from idpbridge.web import SignedIn, WebAuth, WebRequest, WebResponse
from idpbridge.web.django import urls as idpbridge_urls

connectors = idpbridge.load(settings.IDPBRIDGE_CONFIG)  # the same file the CLI reads


def signed_in(request: WebRequest, done: SignedIn) -> WebResponse:
    user = done.authenticated.identity  # migrate it with idpbridge.jit, then log the user in:
    request.native.session["idp_subject"] = user.subject  # request.native is Django's request
    return WebResponse.redirect("/")


auth = WebAuth(connectors, secret=settings.SECRET_KEY, on_success=signed_in, base="/auth")
urlpatterns = [
    # ... your routes ...
    path("auth/", include(idpbridge_urls(auth))),  # the sign-in page is /auth/login
]
