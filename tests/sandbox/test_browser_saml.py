"""A real browser: headless Chromium completes a SAML sign-in through the sandbox's SAML IdP face,
after a wrong password. The IdP's auto-POST form lands at a tiny loopback ACS endpoint, whose
``SAMLResponse`` and ``RelayState`` then finish the flow on the ``saml`` connector."""

from __future__ import annotations

import asyncio
import http.server
import queue
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from idpbridge import Authenticated, FlowError, RedirectRequired
from idpbridge.methods import FinishSAML, StartSAML
from idpbridge.replay import MemoryReplayStore
from idpbridge.saml.connector import SAMLConnector
from idpbridge.sandbox import Sandbox

from .test_browser import wait_for


class ACS:
    """A loopback ACS endpoint: each POSTed form arrives on :attr:`forms`."""

    def __init__(self) -> None:
        self.forms: queue.Queue[dict[str, str]] = queue.Queue()
        forms = self.forms

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                forms.put(dict(parse_qsl(body, keep_blank_values=True)))
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<html><body>ACS received the SAML response</body></html>")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/acs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def acs() -> Iterator[ACS]:
    endpoint = ACS()
    yield endpoint
    endpoint.close()


async def test_saml_sign_in_in_chromium(browser: Any, acs: ACS) -> None:
    with Sandbox() as server:
        async with SAMLConnector(
            {
                "idp_metadata_url": server.saml_metadata_url,
                "sp_entity_id": "http://127.0.0.1/browser-sp",
                "acs_url": acs.url,
                "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            },
            replay_store=MemoryReplayStore(),
        ) as conn:
            start = await conn.authenticate(StartSAML())
            assert isinstance(start, RedirectRequired)

            def sign_in() -> dict[str, str]:
                browser.get(start.url)
                wait_for(browser, "username").send_keys("grace")
                browser.find_element(By.ID, "password").send_keys("not-graces-password")
                browser.find_element(By.ID, "kc-login").click()
                assert wait_for(browser, "input-error").text == "Invalid username or password."
                assert acs.forms.empty()
                browser.find_element(By.ID, "password").send_keys("Grace-H0pper!")
                browser.find_element(By.ID, "kc-login").click()
                WebDriverWait(browser, 15).until(lambda d: "ACS received the SAML response" in d.page_source)
                assert browser.current_url == acs.url
                return acs.forms.get(timeout=15)

            form = await asyncio.to_thread(sign_in)
            assert set(form) == {"SAMLResponse", "RelayState"}
            finish = FinishSAML(form["SAMLResponse"], form["RelayState"], start.continuation)
            out = await conn.authenticate(finish)
            assert isinstance(out, Authenticated)
            assert out.identity.issuer == server.saml_metadata_url
            assert out.identity.email == "grace@globex.example"
            assert out.identity.groups == ("engineering",)
            with pytest.raises(FlowError):  # the same POST again
                await conn.authenticate(finish)
