"""Issue 12 (audit gap 9): the organiser login's device cookie (OWASP): guessing from a shared
address does not lock out the organiser on a known device.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import pytest
from support.api import PASSWORD, form_token
from support.security import make_account


@pytest.fixture
def account(runner) -> dict[str, str]:
    return make_account(runner)


# --- 9: a device cookie keeps the organiser in while others guess from the same address -------


def login(client, email: str, password: str, address: str = "198.51.100.1") -> int:
    token = form_token(client)
    return client.post(
        "/organise/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def device_cookie(client):
    return client.get_cookie("roadmap_device", path="/organise/login")


def test_audit_9_guessing_behind_the_venue_nat_does_not_lock_out_a_known_device(app, account):
    owner, attacker = app.test_client(), app.test_client()
    assert login(owner, account["email"], PASSWORD) == 302
    cookie = device_cookie(owner)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert account["email"] not in cookie.value  # bound to the e-mail, not carrying it
    owner.post("/organise/logout")
    # Someone behind the same address guesses until that address is limited for the account.
    codes = [login(attacker, account["email"], "wrong") for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    # The owner, on the device they signed in with, from the same address, still gets in.
    assert login(owner, account["email"], PASSWORD) == 302
    # Without the cookie (or with another's, or a forged one) the shared bucket applies.
    stranger = app.test_client()
    assert login(stranger, account["email"], PASSWORD) == 429
    stranger.set_cookie("roadmap_device", cookie.value[:-2] + "xx", path="/organise/login")
    assert login(stranger, account["email"], PASSWORD) == 429


def test_audit_9_a_device_cookie_is_limited_on_its_own_and_only_for_its_email(app, runner, account):
    app.config["LOGIN_LIMIT_PER_DEVICE"] = "3 per 5 minutes"
    owner = app.test_client()
    assert login(owner, account["email"], PASSWORD) == 302
    owner.post("/organise/logout")
    # Wrong passwords on the known device count against that device, not the address.
    codes = [login(owner, account["email"], "wrong") for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    other = app.test_client()  # the address's bucket for the account was not spent
    assert login(other, account["email"], PASSWORD) == 302
    # A device cookie for one e-mail is no device cookie for another.
    result = runner.invoke(
        args=["create-organiser", "--email", "second@example.org", "--name", "Second"],
        env={"ORGANISER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 5 minutes"
    codes = [login(other, "second@example.org", "wrong", "203.0.113.9") for _ in range(3)]
    assert codes == [401, 401, 429]


def test_audit_9_unknown_emails_still_cost_a_password_hash(app, account, monkeypatch):
    import roadmap.organise.views as views

    owner = app.test_client()
    assert login(owner, account["email"], PASSWORD) == 302
    calls = []
    real = views.check_password_hash
    monkeypatch.setattr(views, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    assert login(owner, "nobody@example.org", "whatever") == 401
    assert login(app.test_client(), "nobody@example.org", "whatever") == 401
    assert len(calls) == 2 and all(h.startswith(("scrypt:", "pbkdf2:")) for h in calls)
