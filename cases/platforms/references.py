"""Reading what a complainant typed as a reported location: shared by every adapter.

Pure functions (no Django): the allow-list of hosts is passed in.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from django.utils.translation import gettext


def url_on_hosts(text: str, hosts: list[str]) -> SplitResult | None:
    """The URL's parts if it is http(s) on one of ``hosts``, else None.

    Hosts are compared as written (host:port), so a userinfo trick such as
    ``allowed.example@evil.example`` or another port is simply a host not on the list.
    """
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    allowed = {host.lower() for host in hosts}
    if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() not in allowed:
        return None
    return parts


def shorten(text, limit: int = 120) -> str:
    """One line of at most ``limit`` characters, for messages that quote user input."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def join_or(items: list[str]) -> str:
    """ "a", "a or b", "a, b or c"."""
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}
