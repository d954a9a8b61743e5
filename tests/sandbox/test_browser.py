"""A real browser: headless Chromium completes ``idpbridge login <sandbox-keycloak> --method oidc``
through the sandbox's login page and the CLI's loopback receiver, after a wrong password (or code)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, totp_code
from tests.peers._proc import free_port

from .conftest import IDP_BIN, SEED, seed_password

BOB_TOTP = next(u for u in SEED.keycloak.users if u.username == "bob").totp_secret  # type: ignore[union-attr]


class LoginCommand:
    """``idpbridge login … --method oidc`` in a subprocess; its output lines arrive on a queue."""

    def __init__(self, config: Path, *extra: str) -> None:
        self.port = free_port()
        cmd = [str(IDP_BIN), "login", "sandbox-keycloak", "-c", str(config), "--method", "oidc",
               "--port", str(self.port), "--timeout", "60", "--json", *extra]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)
            self.lines.put(line)

    def sign_in_url(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=30)
            except queue.Empty:
                self.proc.kill()
                pytest.fail(f"idpbridge login printed no URL: {''.join(self.out)}")
            if line.startswith("http://"):
                return line.strip()

    def finish(self) -> tuple[int, dict[str, Any], str]:
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail("idpbridge login did not finish")
        stderr = self.proc.stderr.read() if self.proc.stderr else ""
        text = "".join(self.out)
        start = text.find("{")
        return self.proc.returncode, json.loads(text[start:]) if start >= 0 else {}, text + stderr


@pytest.fixture
def config(tmp_path: Path) -> Any:
    with Sandbox() as server:
        path = tmp_path / "idpbridge.toml"
        path.write_text(server.connectors_toml(continuation_key=ContinuationKeys.new_key()))
        yield server, path


def wait_for(browser: Any, element_id: str) -> Any:
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, element_id))
    return browser.find_element(By.ID, element_id)


def test_login_page_in_chromium(browser: Any, config: tuple[Sandbox, Path]) -> None:
    server, path = config
    login = LoginCommand(path)
    browser.get(login.sign_in_url())
    assert browser.title == "Sign in to acme"
    wait_for(browser, "username").send_keys("carol")
    browser.find_element(By.ID, "password").send_keys("not-carols-password")
    browser.find_element(By.ID, "kc-login").click()
    assert wait_for(browser, "input-error").text == "Invalid username or password."
    assert browser.find_element(By.ID, "username").get_attribute("value") == "carol"
    browser.find_element(By.ID, "password").send_keys(seed_password("carol"))
    browser.find_element(By.ID, "kc-login").click()
    WebDriverWait(browser, 15).until(lambda d: "received the sign-in response" in d.page_source)
    assert browser.current_url.startswith(f"http://127.0.0.1:{login.port}/callback?")
    status, identity, output = login.finish()
    assert status == 0, output
    assert identity["email"] == "carol@acme.example"
    assert identity["issuer"] == server.keycloak_issuer()
    assert identity["method"] == "oidc"
    assert seed_password("carol") not in output
    assert "not-carols-password" not in output


def test_otp_page_and_form_post_in_chromium(browser: Any, config: tuple[Sandbox, Path]) -> None:
    server, path = config
    login = LoginCommand(path, "--response-mode", "form_post")
    browser.get(login.sign_in_url())
    wait_for(browser, "username").send_keys("bob")
    browser.find_element(By.ID, "password").send_keys(seed_password("bob"))
    browser.find_element(By.ID, "kc-login").click()
    wait_for(browser, "otp").send_keys("000000")
    browser.find_element(By.ID, "kc-login").click()
    assert wait_for(browser, "input-error-otp-code").text == "Invalid authenticator code."
    code = totp_code(BOB_TOTP.get_secret_value(), server.keycloak.clock())  # type: ignore[union-attr]
    browser.find_element(By.ID, "otp").send_keys(code)
    browser.find_element(By.ID, "kc-login").click()
    # form_post: the page posts the response to the loopback receiver by itself (JavaScript).
    WebDriverWait(browser, 15).until(lambda d: "received the sign-in response" in d.page_source)
    status, identity, output = login.finish()
    assert status == 0, output
    assert identity["username"] == "bob"
    assert set(identity["groups"]) == {"staff", "admins"}
