"""The platform adapter connects only to public addresses it checked, never where a DNS answer
or a redirect points inside the network (loopback, private, link-local: cloud metadata)."""

from __future__ import annotations

import socket

import pytest
from werkzeug import Response

from cases.platforms import PlatformError
from cases.platforms import http as http_adapter
from cases.platforms.http import HttpPlatformAdapter, address_refusal, close_connections

SECRET = "shared-secret-for-tests"
NAME = "moderation.platform.example"


@pytest.fixture(autouse=True)
def _fresh_connections(request):
    close_connections()
    request.addfinalizer(close_connections)


@pytest.fixture
def resolver(monkeypatch):
    """Answers for host names, as a (hostile) DNS would give them; counts the questions."""
    answers: dict[str, list[str]] = {}
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in answers[host]
        ]

    monkeypatch.setattr(http_adapter.socket, "getaddrinfo", getaddrinfo)
    resolver.answers, resolver.asked = answers, asked
    return resolver


def _adapter(settings, url: str, networks: list[str]) -> HttpPlatformAdapter:
    settings.TAKEDOWN_PLATFORM_API_URL = url
    settings.TAKEDOWN_PLATFORM_API_SECRET = SECRET
    settings.TAKEDOWN_PLATFORM_CONNECT_TIMEOUT = 0.5
    settings.TAKEDOWN_PLATFORM_READ_TIMEOUT = 0.5
    settings.TAKEDOWN_PLATFORM_ALLOWED_NETWORKS = networks
    return HttpPlatformAdapter()


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("0.0.0.0", "a private address"),  # noqa: S104 - an address under test, nothing binds
        ("224.0.0.1", "a multicast address"),
        ("100.64.0.1", "not a public address"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
        # IPv6 forms that lead to an IPv4 address are judged by that address.
        ("::ffff:10.0.0.1", "a private address"),
        ("::ffff:93.184.215.14", None),
        ("::127.0.0.1", "an IPv4-compatible address of 127.0.0.1, a loopback address"),
        ("::a9fe:a9fe", "an IPv4-compatible address of 169.254.169.254, a link-local address"),
        ("::93.184.215.14", "a reserved address"),  # deprecated form: never used
        ("2002:7f00:1::1", "a 6to4 address of 127.0.0.1, a loopback address"),
        ("2002:a9fe:a9fe::", "a 6to4 address of 169.254.169.254, a link-local address"),
        ("2002:c0a8:101::1", "a 6to4 address of 192.168.1.1, a private address"),
        ("2002:5db8:d70e::1", None),
        ("64:ff9b::7f00:1", "a NAT64 address of 127.0.0.1, a loopback address"),
        ("64:ff9b::a00:7", "a NAT64 address of 10.0.0.7, a private address"),
        ("64:ff9b::5db8:d70e", None),
        ("64:ff9b:1::a00:7", "a reserved address"),  # local-use NAT64: never a platform
        (
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "a Teredo address (its far end cannot be checked)",
        ),
        ("2001::1", "a Teredo address (its far end cannot be checked)"),
        ("fec0::1", "a site-local address"),
        ("feff::1", "a site-local address"),
    ],
)
def test_only_public_addresses_are_allowed(settings, address, refusal):
    settings.TAKEDOWN_PLATFORM_ALLOWED_NETWORKS = []
    assert address_refusal(address) == refusal


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.0.0.7"])
def test_a_platform_host_resolving_inside_the_network_is_refused_before_connecting(
    settings, resolver, httpserver, address
):
    resolver.answers[NAME] = [address]
    adapter = _adapter(settings, f"http://{NAME}:{httpserver.port}/v1", networks=[])
    with pytest.raises(PlatformError, match=f"resolves to {address}") as raised:
        adapter.fetch_content("post-1")
    assert raised.value.transient is False
    assert "connects only to public addresses" in str(raised.value)
    assert httpserver.log == []


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "64:ff9b::a9fe:a9fe", "fec0::1"])
def test_a_platform_host_resolving_to_ipv6_that_leads_inside_is_refused(
    settings, resolver, address
):
    resolver.answers[NAME] = [address]
    adapter = _adapter(settings, f"https://{NAME}/v1", networks=[])
    with pytest.raises(PlatformError, match="connects only to public addresses"):
        adapter.fetch_content("post-1")


def test_an_allowed_network_admits_its_6to4_form_only_through_the_embedded_address(settings):
    settings.TAKEDOWN_PLATFORM_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert address_refusal("2002:a00:7::1") is None
    assert address_refusal("2002:c0a8:101::1") == "a 6to4 address of 192.168.1.1, a private address"


def test_localhost_is_refused_without_an_explicit_allowance(settings, httpserver):
    adapter = _adapter(settings, f"http://localhost:{httpserver.port}/v1", networks=[])
    with pytest.raises(PlatformError, match="a loopback address"):
        adapter.fetch_content("post-1")
    assert httpserver.log == []


def test_one_private_answer_among_public_ones_refuses_them_all(settings, resolver):
    resolver.answers[NAME] = ["93.184.215.14", "169.254.169.254"]
    adapter = _adapter(settings, f"https://{NAME}/v1", networks=[])
    with pytest.raises(PlatformError, match="169.254.169.254, a link-local address"):
        adapter.fetch_content("post-1")


def test_the_connection_goes_to_the_checked_address_with_the_platforms_host_name(
    settings, resolver, httpserver
):
    # The name resolves once per request, to the address that was checked; the request
    # still names the platform's host.
    resolver.answers[NAME] = ["127.0.0.1"]
    httpserver.expect_request("/v1/content/post-1").respond_with_json({"error": "gone"}, 404)
    adapter = _adapter(settings, f"http://{NAME}:{httpserver.port}/v1", networks=["127.0.0.0/8"])
    with pytest.raises(PlatformError, match="404"):
        adapter.fetch_content("post-1")
    # Only takedown asked for the name; the connection itself was made to the address.
    assert resolver.asked[0] == NAME and set(resolver.asked[1:]) <= {"127.0.0.1"}
    (request, _), *_ = httpserver.log
    assert request.headers["Host"] == f"{NAME}:{httpserver.port}"


def test_a_redirect_into_the_network_is_not_followed(settings, httpserver):
    httpserver.expect_request("/v1/content/post-1").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    adapter = _adapter(settings, f"http://127.0.0.1:{httpserver.port}/v1", networks=["127.0.0.0/8"])
    with pytest.raises(PlatformError, match="redirects are not followed"):
        adapter.fetch_content("post-1")
    assert len(httpserver.log) == 1
