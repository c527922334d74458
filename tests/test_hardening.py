"""Hardening promises: a strict Content-Security-Policy with nothing inline, sign-in lockout,
a second factor for staff, and the deploy settings."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .conftest import CommitClient, upload, web_as
from .test_access import file_notice
from .test_evidence_privacy import ID_CARD, identity_of, keys  # noqa: F401 - fixture

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
    assert "refused for 15 min;" in text
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


def _staff_api_paths() -> list[str]:
    """Every API route whose view signs staff in by session, with 1 for any parameter."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from takedown.security import SecondFactorSessionAuthentication

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                view = getattr(pattern.callback, "view_class", None)
                if SecondFactorSessionAuthentication in getattr(view, "authentication_classes", []):
                    yield "/" + re.sub(r"<\w+:\w+>", "1", route)

    return sorted(walk(get_resolver().url_patterns))


def test_every_staff_api_route_signs_sessions_in_through_the_second_factor_check():
    paths = _staff_api_paths()
    assert "/api/v1/cases/" in paths and "/api/v1/evidence/1/" in paths
    assert len(paths) >= 15


@pytest.mark.parametrize("authorization", ["Bogus x", "Basic bW9kOnB3", "Bearer abc", "Session"])
def test_an_authorization_header_does_not_let_an_unverified_session_past_the_second_factor(
    otp_required, moderator_a, authorization
):
    client = web_as(moderator_a)
    paths = _staff_api_paths()
    assert paths, "no API route signs sessions in through the second-factor check"
    for path in paths:
        for method in (client.get, client.post):
            response = method(path, HTTP_AUTHORIZATION=authorization)
            assert response.status_code == 403, (path, response.status_code)
            assert "second factor" in response.json()["detail"], path


@pytest.fixture
def identity_document(anonymous_api, clinic_post, keys):  # noqa: F811
    filed = file_notice(anonymous_api, clinic_post, identity_document=upload("id.jpg", ID_CARD))
    return identity_of(filed)


def test_an_unverified_session_cannot_read_an_identity_document_through_the_api(
    otp_required, legal, identity_document
):
    evidence = identity_document
    response = web_as(legal).get(f"/api/v1/evidence/{evidence.pk}/", HTTP_AUTHORIZATION="Bogus x")
    assert response.status_code == 403
    assert ID_CARD not in response.content


def test_a_staff_token_still_reaches_the_api_when_the_second_factor_is_required(
    otp_required, moderator_a
):
    token = Token.objects.create(user=moderator_a)
    response = CommitClient().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_a_verified_session_reaches_the_api_with_any_authorization_header(
    otp_required, moderator_a
):
    device = TOTPDevice.objects.create(user=moderator_a, name="phone", confirmed=True)
    client = CommitClient()
    client.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD})
    client.post(reverse("verify-second-factor"), {"token": _code(device)})
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Bogus x").status_code == 200


def test_a_password_alone_cannot_enrol_a_first_device_when_the_second_factor_is_required(
    otp_required, moderator_a
):
    client = CommitClient()
    client.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD})
    response = client.get(reverse("enrol-second-factor"))
    assert response.status_code == 403
    assert "administrator has opened enrolment" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=moderator_a).exists()
    assert client.post(reverse("enrol-second-factor"), {"token": "123456"}).status_code == 403


def test_an_admin_opens_enrolment_and_the_person_enrols_within_a_day(otp_required, moderator_a):
    out = io.StringIO()
    call_command("open_second_factor_enrolment", "moderator_a", stdout=out)
    assert "Enrolment opened for moderator_a" in out.getvalue()
    client = CommitClient()
    client.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD})
    page = client.get(reverse("enrol-second-factor"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=moderator_a)
    response = client.post(
        reverse("enrol-second-factor"), {"token": _code(device), "next": "/staff/"}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/api/v1/cases/").status_code == 200
    with pytest.raises(CommandError, match="already has a confirmed device"):
        call_command("open_second_factor_enrolment", "moderator_a", stdout=io.StringIO())


def test_an_opened_enrolment_expires_after_a_day(otp_required, moderator_a):
    call_command("open_second_factor_enrolment", "moderator_a", stdout=io.StringIO())
    TOTPDevice.objects.filter(user=moderator_a).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    client = CommitClient()
    client.post(reverse("login"), {"username": "moderator_a", "password": PASSWORD})
    assert client.get(reverse("enrol-second-factor")).status_code == 403


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
    # The API's public description, read from an unverified staff session.
    assert web_as(moderator_a).get("/api/schema/", HTTP_AUTHORIZATION="Bogus x").status_code == 200


# --- deploy settings ---------------------------------------------------------------------------


def test_cookies_are_http_only_and_pages_refuse_framing(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert django_settings.SESSION_COOKIE_HTTPONLY
