"""Hardening promises: a strict Content-Security-Policy with nothing inline, sign-in lockout,
a second factor for staff, and the deploy settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import CommitClient, web_as

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-for-tests-only"


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


# --- Content-Security-Policy -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/notices/new/", "/notices/track/", "/accounts/login/"])
def test_public_pages_carry_a_strict_policy_without_unsafe_inline(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_staff_pages_and_the_admin_carry_the_strict_policy(moderator_a, admin_user):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    for client, path in ((web_as(moderator_a), "/staff/"), (web_as(admin_user), "/admin/")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_the_api_docs_load_their_script_from_our_own_origin(client, db):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = _directives(page["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def _templates() -> list[Path]:
    return [
        path
        for path in ROOT.glob("*/templates/**/*.html")
        if ".venv" not in path.parts and "var" not in path.parts
    ]


def test_no_template_holds_inline_script_event_handlers_or_style_attributes():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    style = re.compile(r"\sstyle\s*=|<style", re.IGNORECASE)
    templates = _templates()
    assert len(templates) > 10
    offenders = [
        str(path.relative_to(ROOT))
        for path in templates
        if inline_script.search(text := path.read_text())
        or handler.search(text)
        or style.search(text)
    ]
    assert offenders == []


# --- sign-in lockout ---------------------------------------------------------------------------


def _fail(client, url, username, times):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong"})


def test_five_failed_sign_ins_lock_the_site_sign_in_with_a_clear_message(moderator_a):
    client = CommitClient()
    url = reverse("login")
    _fail(client, url, "moderator_a", django_settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(url, {"username": "moderator_a", "password": "wrong"})
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed sign-ins" in text and "moderator_a" in text
    assert "900 seconds" in text
    # Locked: even the right password is refused until the cool-off ends.
    again = client.post(url, {"username": "moderator_a", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_covers_the_admin_sign_in(admin_user):
    client = CommitClient()
    url = "/admin/login/?next=/admin/"
    _fail(client, url, "admin_person", django_settings.AXES_FAILURE_LIMIT)
    response = client.post(url, {"username": "admin_person", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_the_lockout_is_per_username_and_address_and_configurable(settings, moderator_a, legal):
    settings.AXES_FAILURE_LIMIT = 2
    client = CommitClient()
    _fail(client, reverse("login"), "moderator_a", 2)
    assert (
        client.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD}).status_code
        == 429
    )
    # Another account from the same address, and the same account from elsewhere, still sign in.
    other = client.post(reverse("login"), {"username": "legal_reviewer", "password": PASSWORD})
    assert other.status_code == 302
    elsewhere = CommitClient(REMOTE_ADDR="198.51.100.7")
    ok = elsewhere.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD})
    assert ok.status_code == 302


def test_a_success_before_the_limit_resets_the_count(moderator_a):
    client = CommitClient()
    url = reverse("login")
    _fail(client, url, "moderator_a", django_settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(url, {"username": "moderator_a", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    _fail(client, url, "moderator_a", django_settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(url, {"username": "moderator_a", "password": PASSWORD}).status_code == 302


def test_the_lockout_counts_in_the_shared_cache_when_one_is_configured():
    from takedown.env import env_str

    expected = (
        "axes.handlers.cache.AxesCacheHandler"
        if env_str("TAKEDOWN_CACHE_URL")
        else "axes.handlers.database.AxesDatabaseHandler"
    )
    assert expected == django_settings.AXES_HANDLER


# --- second factor -----------------------------------------------------------------------------


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_a_moderator_enrols_an_authenticator_app_with_a_real_code(moderator_a):
    client = web_as(moderator_a)
    page = client.get(reverse("enrol-second-factor"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=moderator_a)
    assert not device.confirmed
    assert page.context["secret"] in page.content.decode()

    response = client.post(reverse("enrol-second-factor"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


@pytest.fixture
def otp_required(settings):
    settings.TAKEDOWN_REQUIRE_OTP_FOR_STAFF = True


def test_without_the_setting_staff_need_no_second_factor(moderator_a):
    assert web_as(moderator_a).get("/staff/").status_code == 200


def test_required_second_factor_sends_staff_without_a_device_to_enrol(otp_required, moderator_a):
    client = web_as(moderator_a)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("enrol-second-factor"))
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403
    assert "second factor" in api.json()["detail"]


def test_required_second_factor_lets_staff_in_after_a_verified_code(otp_required, moderator_a):
    device = TOTPDevice.objects.create(user=moderator_a, name="phone", confirmed=True)
    client = CommitClient()
    signed_in = client.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD})
    assert signed_in.status_code == 302
    blocked = client.get("/staff/")
    assert blocked["Location"].startswith(reverse("verify-second-factor"))
    # A password alone cannot add a device once one is confirmed.
    enrol = client.get(reverse("enrol-second-factor"))
    assert enrol["Location"].startswith(reverse("verify-second-factor"))

    bad = client.post(reverse("verify-second-factor"), {"token": "12ab56"})
    assert "6 digits" in bad.content.decode()
    response = client.post(
        reverse("verify-second-factor"), {"token": _code(device), "next": "/staff/"}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200


def test_required_second_factor_guards_the_admin(otp_required, admin_user):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client = web_as(admin_user)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/").status_code in (200, 302)


def test_required_second_factor_leaves_public_pages_and_token_clients_alone(
    otp_required, moderator_a, client
):
    assert web_as(moderator_a).get("/notices/new/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


# --- deploy settings ---------------------------------------------------------------------------


def test_cookies_are_http_only_and_pages_refuse_framing(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert django_settings.SESSION_COOKIE_HTTPONLY
