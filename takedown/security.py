"""Sign-in hardening: the client address the lockout counts by, and staff's second factor.

Staff may enrol a TOTP device (an authenticator app) at any time. With
TAKEDOWN_REQUIRE_OTP_FOR_STAFF, a signed-in staff member whose session has not verified a
device is sent to verify one (or to enrol one first) before any staff page, the admin or the
API answers them; the API refuses a session that has not verified one
(``SecondFactorSessionAuthentication``), whatever headers the request carries. Under that
setting a first device can be enrolled only after an admin opened enrolment for the person
(``open_second_factor_enrolment``): a password alone then never adds a device.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

# Paths where staff work: these need a verified device when the second factor is required.
PROTECTED_PREFIXES = ("/staff/", "/admin/", "/api/")
# ... except signing in and out, and the public API description.
OPEN_PREFIXES = ("/admin/login/", "/admin/logout/", "/api/schema/", "/api/docs/")
# How long an enrolment an admin opened stays usable (under TAKEDOWN_REQUIRE_OTP_FOR_STAFF).
ENROLMENT_WINDOW = timedelta(hours=24)


def client_ip(request) -> str | None:
    """The address sign-in failures are counted by: REMOTE_ADDR, or with
    TAKEDOWN_NUM_PROXIES proxies in front, the address the outermost of them saw (the same
    rule as the API's throttles), so a forged X-Forwarded-For cannot reset a count."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return remote


def is_staff_user(user) -> bool:
    from cases.roles import is_staff_member

    return bool(user.is_authenticated and (user.is_staff or is_staff_member(user)))


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def must_verify_second_factor(user) -> bool:
    return bool(
        settings.TAKEDOWN_REQUIRE_OTP_FOR_STAFF and is_staff_user(user) and not user.is_verified()
    )


def second_factor_api_message() -> str:
    return gettext(
        "Staff must verify their second factor (an authenticator code) at "
        "/accounts/second-factor/ before using the API."
    )


class SecondFactorSessionAuthentication(SessionAuthentication):
    """The API's session sign-in, refused (403) to a staff session that has not verified its
    second factor when one is required. Requests signed with a token never reach this class
    with a user: only a session that really authenticates is checked, so no header can
    skip the check."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and must_verify_second_factor(result[0]):
            raise exceptions.PermissionDenied(second_factor_api_message())
        return result


class SecondFactorSessionScheme(SessionScheme):
    target_class = SecondFactorSessionAuthentication


class StaffSecondFactorMiddleware:
    """With TAKEDOWN_REQUIRE_OTP_FOR_STAFF, unverified staff sessions reach only sign-in and
    second-factor pages. On the API, a request with an Authorization header is passed on to
    the API's authentication, which refuses an unverified session itself
    (SecondFactorSessionAuthentication) and accepts a valid token (organisations' and staff
    tokens carry no session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TAKEDOWN_REQUIRE_OTP_FOR_STAFF and self._must_verify(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": second_factor_api_message()}, status=403)
            step = "verify-second-factor"
            if not has_confirmed_device(request.user):
                step = "enrol-second-factor"
            return redirect(f"{reverse(step)}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request) -> bool:
        path = request.path
        if not path.startswith(PROTECTED_PREFIXES) or path.startswith(OPEN_PREFIXES):
            return False
        if path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META:
            return False
        return must_verify_second_factor(request.user)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(gettext("Enter the 6 digits your authenticator app shows."))
        return token


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def open_enrolment(user) -> TOTPDevice:
    """Let ``user`` enrol a first device for the next ENROLMENT_WINDOW (an admin's act, for
    TAKEDOWN_REQUIRE_OTP_FOR_STAFF): replaces any device not yet confirmed with a fresh one,
    whose key the person sees once they sign in."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)


def _device_to_enrol(user) -> TOTPDevice | None:
    """The unconfirmed device the user may confirm. With the second factor required and no
    device confirmed yet, only one an admin opened within the window counts: anyone holding
    just the password could otherwise put their own app on the account."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk")
    if settings.TAKEDOWN_REQUIRE_OTP_FOR_STAFF and not user.is_verified():
        return pending.filter(created_at__gte=timezone.now() - ENROLMENT_WINDOW).first()
    device = pending.first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


@require_http_methods(["GET", "POST"])
@login_required
def enrol(request):
    """Add a TOTP device: show its key, confirm it with a first code. A staff member who
    already has a confirmed device must verify it first (a password alone adds no device)."""
    user = request.user
    if not is_staff_user(user):
        return render(request, "registration/second_factor_denied.html", status=403)
    if has_confirmed_device(user) and not user.is_verified():
        return redirect(f"{reverse('verify-second-factor')}?next={reverse('enrol-second-factor')}")
    device = _device_to_enrol(user)
    if device is None:
        return render(request, "registration/second_factor_not_opened.html", status=403)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", gettext("That code is not the current one: check the key and the time.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "secret": secret,
            "config_url": device.config_url,
            "next": _next_url(request),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def verify(request):
    """Check a code from one of the user's confirmed devices and mark the session verified."""
    user = request.user
    if not has_confirmed_device(user):
        return redirect(f"{reverse('enrol-second-factor')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", gettext("That code is not valid (or was already used): try the next one.")
        )
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )
