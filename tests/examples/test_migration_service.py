"""The reference migration service (examples/migration-service) run as ``uvicorn --workers 2`` on
the session's Redis, against the sandbox IdP.

Headless Chromium signs in a password user, a TOTP user, a wrong password, an organization user,
and replays an OIDC callback. Clients pinned to each worker (one keep-alive connection each) start
a flow on one worker and finish it on the other, every response naming its worker
(``X-Served-By``)."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from idpbridge.sandbox.agent import LoginAgent
from idpbridge.sandbox.connectors import COGNITO, KEYCLOAK

from ..web.conftest import password_of, totp_secret
from .conftest import Service


def wait_text(browser: Any, text: str) -> None:
    WebDriverWait(browser, 15).until(lambda d: text in d.page_source)


def sign_in_form(browser: Any, service: Service, connector: str, username: str, password: str) -> None:
    browser.get(f"{service.base_url}/")
    browser.find_element(By.ID, "sign-in").click()
    form = f"#password-{connector}"
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, form))
    browser.find_element(By.CSS_SELECTOR, f"{form} input[name=username]").send_keys(username)
    browser.find_element(By.CSS_SELECTOR, f"{form} input[name=password]").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, f"{form} button").click()


def signed_in_as(browser: Any, email: str) -> dict[str, str]:
    wait_text(browser, f"Signed in as {email}")
    facts = {k: browser.find_element(By.ID, k).text for k in ("uid", "via", "action")}
    browser.find_element(By.ID, "sign-out").click()
    wait_text(browser, "Welcome")
    return facts


def workers_seen(browser: Any, base_url: str) -> list[tuple[str, int]]:
    """``(url, pid)`` of every response (redirects included) since the last call."""
    seen = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        response = (
            params.get("redirectResponse") if message["method"] == "Network.requestWillBeSent" else None
        )
        if message["method"] == "Network.responseReceived":
            response = params.get("response")
        if response and response.get("url", "").startswith(base_url):
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            if "x-served-by" in headers:
                seen.append((response["url"], int(headers["x-served-by"])))
    return seen


def test_browser_password_totp_wrong_password_org_and_replayed_callback(
    browser: Any, service: Service
) -> None:
    browser.get_log("performance")  # start the record here
    # A password user: one form, migrated, a session in the new system.
    sign_in_form(browser, service, KEYCLOAK, "alice", password_of("alice"))
    alice = signed_in_as(browser, "alice@acme.example")
    assert alice["action"] == "created"
    assert alice["via"] == KEYCLOAK

    # A TOTP user: the password, then the one-time-code step.
    sign_in_form(browser, service, KEYCLOAK, "bob", password_of("bob"))
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "totp"))
    browser.find_element(By.ID, "totp").send_keys(service.totp(totp_secret("bob")))
    browser.find_element(By.CSS_SELECTOR, "#step button").click()
    assert signed_in_as(browser, "bob@acme.example")["action"] == "created"

    # A wrong password: the sign-in page again, with a message that reveals nothing.
    sign_in_form(browser, service, COGNITO, "dave@acme.example", "not-daves-password")
    wait_text(browser, "The sign-in details are not correct.")
    assert "not-daves-password" not in browser.page_source

    # A B2B user: the e-mail domain routes to Globex's SAML IdP; its form posts back to the ACS.
    browser.get(f"{service.base_url}/auth/login")
    browser.find_element(By.CSS_SELECTOR, "#org input[name=email]").send_keys("grace@globex.example")
    browser.find_element(By.CSS_SELECTOR, "#org button").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "kc-login"))
    browser.find_element(By.ID, "username").send_keys("grace")
    browser.find_element(By.ID, "password").send_keys("Grace-H0pper!")
    browser.find_element(By.ID, "kc-login").click()
    wait_text(browser, "Signed in as grace@globex.example")
    assert browser.find_element(By.ID, "org").text == "globex"
    signed_in_as(browser, "grace@globex.example")

    # The OIDC redirect and callback, then the same callback replayed with the same flow cookie.
    browser.get(f"{service.base_url}/auth/login")
    browser.find_element(By.CSS_SELECTOR, f"#oidc-{KEYCLOAK} button").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "kc-login"))
    flow = next(
        c for c in browser.execute_cdp_cmd("Network.getAllCookies", {})["cookies"] if c["name"] == "idpb_flow"
    )
    browser.find_element(By.ID, "username").send_keys("carol")
    browser.find_element(By.ID, "password").send_keys(password_of("carol"))
    browser.find_element(By.ID, "kc-login").click()
    wait_text(browser, "Signed in as carol@acme.example")
    seen = workers_seen(browser, service.base_url)
    callback = next(url for url, _ in seen if "/oidc/callback?" in url)
    browser.execute_cdp_cmd(
        "Network.setCookie",
        {k: flow[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite") if k in flow},
    )
    browser.get(callback)
    wait_text(browser, "flow.reused")
    assert "Sign-in failed" in browser.title

    # Every response named its worker, and only the service's two workers answered.
    assert len(seen) >= 20
    assert {pid for _, pid in seen} <= set(_pids(service))
    users = (
        sqlite3.connect(service.database).execute("select count(*) from idpbridge_jit_users").fetchone()[0]
    )
    assert users == 4  # alice, bob, grace, carol: migrated once each


def _pids(service: Service) -> list[int]:
    pids = set()
    for _ in range(40):
        with httpx.Client(base_url=service.base_url) as c:
            pids.add(int(c.get("/healthz").headers["x-served-by"]))
        if len(pids) == 2:
            break
    return sorted(pids)


def csrf_of(client: httpx.Client) -> str:
    page = client.get("/auth/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def hand_over(src: httpx.Client, dst: httpx.Client) -> None:
    """The browser moves on: the cookies go with it to the other worker's connection."""
    for cookie in src.cookies.jar:
        dst.cookies.jar.set_cookie(cookie)


def served_by(response: httpx.Response) -> int:
    return int(response.headers["x-served-by"])


def test_a_totp_step_started_on_one_worker_finishes_on_the_other(
    service: Service, workers: dict[int, httpx.Client]
) -> None:
    (pid_a, a), (pid_b, b) = sorted(workers.items())
    token = csrf_of(a)
    step = a.post(
        f"/auth/{KEYCLOAK}/password",
        data={"username": "bob", "password": password_of("bob"), "csrf_token": token},
    )
    assert served_by(step) == pid_a
    assert 'name="totp"' in step.text
    hand_over(a, b)
    done = b.post("/auth/step", data={"totp": service.totp(totp_secret("bob")), "csrf_token": token})
    assert served_by(done) == pid_b
    assert done.status_code == 303, done.text
    home = b.get("/")
    assert served_by(home) == pid_b
    assert "Signed in as bob@acme.example" in home.text


def test_an_email_code_sent_by_one_worker_is_checked_by_the_other(
    service: Service, workers: dict[int, httpx.Client]
) -> None:
    (pid_a, a), (pid_b, b) = sorted(workers.items(), reverse=True)  # the other way round
    token = csrf_of(a)
    sent = a.post(
        f"/auth/{COGNITO}/otp",
        data={"username": "erin@acme.example", "channel": "email", "csrf_token": token},
    )
    assert served_by(sent) == pid_a
    assert 'name="code"' in sent.text
    hand_over(a, b)
    done = b.post("/auth/step", data={"code": service.sandbox.outbox[-1].code, "csrf_token": token})
    assert served_by(done) == pid_b
    assert done.status_code == 303, done.text
    assert "Signed in as erin@acme.example" in b.get("/").text


def test_a_callback_replayed_on_the_other_worker_is_refused(
    service: Service, workers: dict[int, httpx.Client]
) -> None:
    (pid_a, a), (pid_b, b) = sorted(workers.items())
    start = a.post(f"/auth/{KEYCLOAK}/oidc", data={"csrf_token": csrf_of(a)})
    assert served_by(start) == pid_a
    assert start.status_code == 303
    redirect_uri = f"{service.base_url}/auth/{KEYCLOAK}/oidc/callback"
    params = LoginAgent().sign_in(
        start.headers["location"], redirect_uri, username="carol", password=password_of("carol")
    )
    hand_over(a, b)
    done = b.get(f"/auth/{KEYCLOAK}/oidc/callback", params=params)
    assert served_by(done) == pid_b
    assert done.status_code == 303, done.text
    # Worker A still holds the flow cookie from before the callback: the replay store in Redis
    # remembers that worker B used this continuation.
    replay = a.get(f"/auth/{KEYCLOAK}/oidc/callback", params=params, headers={"accept": "application/json"})
    assert served_by(replay) == pid_a
    assert replay.status_code == 400
    assert replay.json()["error"] == "flow.reused"


def test_the_example_connectors_file_is_valid(monkeypatch: Any) -> None:
    import idpbridge
    from idpbridge.continuation import ContinuationKeys

    from .conftest import SERVICE_DIR

    for name in ("LEGACY_KEYCLOAK_SECRET", "LEGACY_COGNITO_SECRET"):
        monkeypatch.setenv(name, "example-secret")
    monkeypatch.setenv("IDPBRIDGE_CONTINUATION_KEY", ContinuationKeys.new_key())
    monkeypatch.setenv("IDPBRIDGE_STORE", "redis://127.0.0.1:6379/0")
    connectors = idpbridge.load(SERVICE_DIR / "idpbridge.example.toml")
    assert list(connectors) == ["legacy-keycloak", "legacy-cognito", "globex-saml"]
    assert list(connectors.organizations) == ["globex"]
