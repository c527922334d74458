"""API tokens of registered organisations (trusted flaggers and agents).

A token is sent as ``Authorization: Token <key>``. Only the key's SHA-256 is stored, so a key
is found by the unique index on its hash and can never be read back: it is shown once, when it
is created (the ``create_api_token`` command or the admin).
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import ApiToken, Organisation

KEYWORD = "Token"
# Keys look like "tdo_<43 url-safe characters>"; the prefix shown to staff is the first 12.
KEY_PREFIX = "tdo_"
SHOWN_PREFIX_LENGTH = 12


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(token: ApiToken) -> str:
    """Give an unsaved token a fresh key, save it, and return the key (which is not stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token.prefix = key[:SHOWN_PREFIX_LENGTH]
    token.key_hash = hash_key(key)
    token.save()
    return key


def api_token_create(organisation: Organisation, name: str) -> tuple[ApiToken, str]:
    """A new token for ``organisation``; returns it with its key, which is not stored."""
    token = ApiToken(organisation=organisation, name=name)
    return token, api_token_issue(token)


def api_token_revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


class OrganisationTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` of an organisation's API token.

    No header: not authenticated here (the view decides whether that is allowed). A header
    with a wrong, revoked or inactive organisation's key: 401 with a message saying which.
    On success ``request.auth`` is the ApiToken (its organisation loaded) and ``request.user``
    stays anonymous: an organisation is never a staff member.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the API token as 'Authorization: Token <key>', with no spaces in the key."
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The API token is not valid.") from None
        token = (
            ApiToken.objects.select_related("organisation").filter(key_hash=hash_key(key)).first()
        )
        if token is None:
            # Staff and screening tokens are valid elsewhere in the API, but not as this one.
            raise exceptions.AuthenticationFailed(
                "This is not an organisation's API token. Notices are filed with an "
                "organisation's token, or with none."
            )
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"This API token ({token.prefix}…) was revoked on "
                f"{token.revoked_at:%Y-%m-%d}; ask the platform for a new one."
            )
        if not token.organisation.active:
            raise exceptions.AuthenticationFailed(
                f"The organisation {token.organisation.name!r} is not active; its API tokens "
                "are refused."
            )
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        return AnonymousUser(), token

    def authenticate_header(self, request):
        return KEYWORD


def request_organisation(request) -> Organisation | None:
    """The organisation whose token authenticated the request, if any."""
    auth = getattr(request, "auth", None)
    return auth.organisation if isinstance(auth, ApiToken) else None


class OrganisationTokenScheme(OpenApiAuthenticationExtension):
    target_class = OrganisationTokenAuthentication
    name = "organisationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An organisation's API token: 'Token <key>'.",
        }
