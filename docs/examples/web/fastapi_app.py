# main.py of an existing FastAPI app, with idpbridge's sign-in routes added.
import os

from fastapi import FastAPI

import idpbridge
from idpbridge.web import SignedIn, WebAuth, WebRequest, WebResponse
from idpbridge.web.starlette import app as idpbridge_app

app = FastAPI()  # your app, as it is
connectors = idpbridge.load(os.environ["IDPBRIDGE_CONFIG"])  # the same file the CLI reads


async def signed_in(request: WebRequest, done: SignedIn) -> WebResponse:
    user = done.authenticated.identity  # migrate it with idpbridge.jit, start your session here
    return WebResponse.json_body({"subject": user.subject, "email": user.email})


auth = WebAuth(connectors, secret=os.environ["WEB_SECRET"], on_success=signed_in, base="/auth")
app.mount("/auth", idpbridge_app(auth))  # the sign-in page is /auth/login
