"""Who may call what: every URL of the site and every operation of the API schema, called as
each kind of caller, against one table of the allowed callers.

The table must name exactly the routes of the URL conf and the operations of the OpenAPI
schema: a new endpoint fails this test until its row says who may use it.

A call is *allowed* when it reaches the endpoint's own logic (any answer but a refusal);
*refused* means 401, 403, the 404 given for a wrong token or object the caller may not see, or
a redirect to the sign-in page. Each call runs in a transaction rolled back afterwards, so one
caller's action does not change what the next one meets. The web forms of staff actions turn a
refusal by role into a message on the case page; the roles below staff level are asserted on
the API rows, which call the same services.
"""

import re
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from cases.models import Case
from demo_platform.models import UploaderMessage
from notices.authentication import api_token_create
from notices.models import EvidenceFile, Organisation

from .conftest import (
    CommitAPIClient,
    CommitClient,
    api_as,
    notice_payload,
    post_url,
    posts_by_role,
)

ANONYMOUS, COMPLAINANT, OTHER_COMPLAINANT, UPLOADER = (
    "anonymous",
    "complainant",
    "other_complainant",
    "uploader",
)
MODERATOR, LEGAL, ADMIN, ORGANISATION = "moderator", "legal", "admin", "organisation"
CALLERS = (
    ANONYMOUS,
    COMPLAINANT,
    OTHER_COMPLAINANT,
    UPLOADER,
    MODERATOR,
    LEGAL,
    ADMIN,
    ORGANISATION,
)
EVERYONE = frozenset(CALLERS)
STAFF = frozenset({MODERATOR, LEGAL, ADMIN})
SENIOR = frozenset({LEGAL, ADMIN})
NOBODY = frozenset()

# (method, route as in the URL conf) -> who may call it. Bodies are chosen so that an allowed
# caller gets past validation where a refusal by role would come after it.
MATRIX = {
    # --- public pages ---------------------------------------------------------------------
    ("GET", ""): EVERYONE,
    ("GET", "accounts/login/"): EVERYONE,
    ("POST", "accounts/logout/"): EVERYONE,
    ("GET", "accounts/second-factor/"): STAFF,
    ("GET", "accounts/second-factor/enrol/"): STAFF,
    ("POST", "i18n/setlang/"): EVERYONE,
    ("GET", "notices/new/"): EVERYONE,
    ("POST", "notices/new/"): EVERYONE,
    ("GET", "notices/receipt/"): EVERYONE,
    ("GET", "notices/track/"): EVERYONE,
    # --- the complainant's tracking page and its forms -------------------------------------
    ("GET", "notices/track/<str:reference>/"): frozenset({COMPLAINANT}),
    ("POST", "notices/track/<str:reference>/"): frozenset({COMPLAINANT}),
    ("POST", "notices/track/<str:reference>/appeal/"): frozenset({COMPLAINANT}),
    ("POST", "notices/track/<str:reference>/legal-action/"): frozenset({COMPLAINANT}),
    # --- the uploader's private page --------------------------------------------------------
    ("GET", "respond/<str:reference>/"): frozenset({UPLOADER}),
    ("POST", "respond/<str:reference>/"): frozenset({UPLOADER}),
    # --- staff pages ------------------------------------------------------------------------
    ("GET", "staff/"): STAFF,
    ("GET", "staff/cases/<int:pk>/"): STAFF,
    ("POST", "staff/cases/<int:pk>/claim/"): STAFF,
    ("POST", "staff/cases/<int:pk>/release/"): STAFF,
    ("POST", "staff/cases/<int:pk>/claim/renew/"): STAFF,
    ("POST", "staff/cases/<int:pk>/decide/"): STAFF,
    ("POST", "staff/cases/<int:pk>/close/"): STAFF,
    ("POST", "staff/cases/<int:pk>/resolve-dispute/"): STAFF,
    ("GET", "staff/evidence/<int:pk>/"): SENIOR,  # an identity document
    ("POST", "staff/bulk/"): STAFF,
    ("GET", "staff/dashboard/"): STAFF,
    ("GET", "staff/dashboard/export.csv"): STAFF,
    ("GET", "staff/transparency/"): STAFF,
    ("GET", "staff/transparency/export.csv"): STAFF,
    ("POST", "staff/measures/<int:pk>/retry/"): STAFF,
    ("GET", "admin/"): STAFF,
    # --- public API -------------------------------------------------------------------------
    # Anyone may file; a staff API token is not an organisation's token, and is refused.
    ("POST", "api/v1/notices/"): EVERYONE - STAFF,
    ("GET", "api/v1/notices/"): frozenset({ORGANISATION}),
    ("GET", "api/v1/notices/<str:reference>/"): frozenset({COMPLAINANT}),
    ("POST", "api/v1/notices/<str:reference>/withdraw/"): frozenset({COMPLAINANT}),
    ("POST", "api/v1/notices/<str:reference>/info/"): frozenset({COMPLAINANT}),
    ("POST", "api/v1/notices/<str:reference>/appeal/"): frozenset({COMPLAINANT}),
    ("POST", "api/v1/notices/<str:reference>/legal-action/"): frozenset({COMPLAINANT}),
    ("GET", "api/v1/uploader/cases/<str:reference>/"): frozenset({UPLOADER}),
    ("POST", "api/v1/uploader/cases/<str:reference>/counter-notice/"): frozenset({UPLOADER}),
    ("POST", "api/v1/uploader/cases/<str:reference>/appeal/"): frozenset({UPLOADER}),
    # Public, but credentials that are not a staff token are refused rather than ignored.
    ("GET", "api/schema/"): EVERYONE - {ORGANISATION},
    ("GET", "api/docs/"): EVERYONE - {ORGANISATION},
    # --- staff API --------------------------------------------------------------------------
    ("GET", "api/v1/cases/"): STAFF,
    ("GET", "api/v1/cases/<int:pk>/"): STAFF,
    ("POST", "api/v1/cases/<int:pk>/claim/"): STAFF,
    ("POST", "api/v1/cases/<int:pk>/release/"): STAFF,
    ("POST", "api/v1/cases/<int:pk>/decide/"): STAFF,
    ("POST", "api/v1/cases/<int:pk>/close/"): SENIOR,
    ("POST", "api/v1/cases/<int:pk>/resolve-dispute/"): SENIOR,
    ("GET", "api/v1/cases/<int:pk>/log/"): STAFF,
    ("GET", "api/v1/cases/<int:pk>/export/"): STAFF,
    ("POST", "api/v1/measures/<int:pk>/retry/"): STAFF,
    ("GET", "api/v1/evidence/<int:pk>/"): SENIOR,  # an identity document
    ("GET", "api/v1/dashboard/"): STAFF,
    ("GET", "api/v1/grounds/"): STAFF,
    ("GET", "api/v1/statements/"): SENIOR,
    ("POST", "api/v1/statements/"): SENIOR,
    ("POST", "api/v1/screen/"): STAFF,
    # --- the demo platform: public pages, and an API only takedown may call (signed) --------
    ("GET", "platform/"): EVERYONE,
    ("GET", "platform/posts/<int:pk>/"): EVERYONE,
    ("GET", "platform/posts/<int:pk>/image.jpg"): EVERYONE,
    ("GET", "platform/@<str:handle>/"): EVERYONE,
    ("GET", "platform/inbox/<str:handle>/"): EVERYONE,
    ("POST", "platform/api/v1/resolve"): NOBODY,
    ("GET", "platform/api/v1/content/<str:content_id>"): NOBODY,
    ("GET", "platform/api/v1/content/<str:content_id>/image"): NOBODY,
    ("POST", "platform/api/v1/content/<str:content_id>/measures"): NOBODY,
    ("POST", "platform/api/v1/content/<str:content_id>/notifications"): NOBODY,
    # Last: erasing deletes files from storage, which no rollback brings back.
    ("POST", "notices/track/<str:reference>/erase/"): frozenset({COMPLAINANT}),
    ("POST", "api/v1/notices/<str:reference>/erase/"): frozenset({COMPLAINANT}),
}

# Bodies sent with a POST: valid enough that validation does not answer before the role check.
BODIES = {
    "api/v1/cases/<int:pk>/decide/": {
        "outcome": "reject",
        "ground": "insufficient_evidence",
        "reasons": "Checked.",
    },
    "api/v1/cases/<int:pk>/close/": {"reasons": "Done."},
    "api/v1/cases/<int:pk>/resolve-dispute/": {"outcome": "maintain", "reasons": "Checked."},
    "api/v1/notices/<str:reference>/appeal/": {"statement": "Please look again."},
    "api/v1/uploader/cases/<str:reference>/appeal/": {"statement": "Please look again."},
    "api/v1/notices/<str:reference>/info/": {"message": "Here it is."},
}


def url_conf_routes() -> set[str]:
    """Every route of the URL conf (the admin's own pages are one row: its index)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route == "admin/":
                    yield route
                    continue
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route

    return set(walk(get_resolver().url_patterns))


def schema_operations(client) -> set[tuple[str, str]]:
    """(method, route) of every operation in the OpenAPI schema, in the URL conf's spelling."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    # The schema names a primary key "id"; the URL conf calls it <int:pk>.
    spelled = {"id": "<int:pk>", "pk": "<int:pk>"}
    operations = set()
    for path, methods in schema["paths"].items():
        route = re.sub(r"\{(\w+)\}", lambda m: spelled.get(m.group(1), f"<str:{m.group(1)}>"), path)
        for method in methods:
            if method in ("get", "post", "put", "patch", "delete"):
                operations.add((method.upper(), route.lstrip("/")))
    return operations


@pytest.fixture
def world(demo_posts, moderator_a, legal, admin_user, django_capture_on_commit_callbacks):
    """A notice upheld (so its uploader holds a private link), another notice, staff tokens
    and a registered organisation."""
    public = CommitAPIClient()
    clinic, unrelated = posts_by_role("clinic")[0], posts_by_role("unrelated")[0]
    filed = public.post(
        "/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart"
    ).json()
    other = public.post(
        "/api/v1/notices/",
        notice_payload([post_url(unrelated)], notifier_email="someone.else@example.com"),
        format="multipart",
    ).json()
    case = Case.objects.get(notice__reference=filed["reference"])
    staff = api_as(moderator_a)
    staff.post(f"/api/v1/cases/{case.pk}/claim/")
    decided = staff.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "uphold", "ground": "portrait_right", "reasons": "Hers.", "measure": "delete"},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    message = UploaderMessage.objects.get(post=clinic).body
    organisation = Organisation.objects.create(
        name="Rights Bureau", kind="agent", contact_email="desk@bureau.example"
    )
    return SimpleNamespace(
        reference=filed["reference"],
        token=filed["tracking_token"],
        other_token=other["tracking_token"],
        uploader_token=re.search(r"\?token=([\w-]+)", message).group(1),
        case=case,
        post=clinic,
        live_post=unrelated,
        handle=clinic.account.handle,
        identity=EvidenceFile.objects.get(notice=case.notice, kind="identity"),
        measure=case.measures.get(),
        users={MODERATOR: moderator_a, LEGAL: legal, ADMIN: admin_user},
        staff_tokens={
            role: Token.objects.create(user=user).key
            for role, user in ((MODERATOR, moderator_a), (LEGAL, legal), (ADMIN, admin_user))
        },
        organisation_key=api_token_create(organisation, "matrix")[1],
    )


def concrete_path(route: str, world) -> str:
    values = {
        "reference": world.reference,
        "handle": world.handle,
        "content_id": f"post-{world.post.pk}",
    }
    pk = world.case.pk
    if "evidence" in route:
        pk = world.identity.pk
    elif "measures/<int:pk>" in route:
        pk = world.measure.pk
    elif route.startswith("platform/posts"):
        pk = world.live_post.pk  # the reported post was deleted: its page answers 410
    path = re.sub(r"<int:pk>", str(pk), route)
    return "/" + re.sub(r"<str:(\w+)>", lambda m: values[m.group(1)], path)


def call(caller: str, method: str, route: str, world):
    """One call as ``caller``; the answer's status and where a redirect goes."""
    path = concrete_path(route, world)
    web = not route.startswith(("api/", "platform/api/"))
    headers = {}
    if web:
        client = CommitClient()
        if caller in STAFF:
            client.force_login(world.users[caller])
        elif caller in (COMPLAINANT, OTHER_COMPLAINANT):
            token = world.token if caller == COMPLAINANT else world.other_token
            client.get(f"/notices/track/{world.reference}/?token={token}")
        elif caller == UPLOADER:
            client.get(f"/respond/{world.reference}/?token={world.uploader_token}")
    else:
        client = CommitAPIClient()
        if caller in STAFF:
            headers["HTTP_AUTHORIZATION"] = f"Token {world.staff_tokens[caller]}"
        elif caller == ORGANISATION:
            headers["HTTP_AUTHORIZATION"] = f"Token {world.organisation_key}"
        elif caller == COMPLAINANT:
            headers["HTTP_X_TRACKING_TOKEN"] = world.token
        elif caller == OTHER_COMPLAINANT:
            headers["HTTP_X_TRACKING_TOKEN"] = world.other_token
        elif caller == UPLOADER:
            headers["HTTP_X_UPLOADER_TOKEN"] = world.uploader_token
    body = BODIES.get(route, {})
    if method == "GET":
        response = client.get(path, **headers)
    elif web:
        response = client.post(path, body, **headers)
    else:
        response = client.post(path, body, format="json", **headers)
    return response.status_code, response.get("Location", "")


def refused(status: int, location: str) -> bool:
    if status in (401, 403, 404):
        return True
    return status == 302 and "login/" in location


@pytest.fixture(autouse=True)
def platform_api_enabled(settings):
    """The demo platform's API answers only when a signing secret is configured."""
    settings.TAKEDOWN_PLATFORM_API_SECRET = "matrix-test-secret"


@pytest.fixture(autouse=True)
def no_throttling(monkeypatch):
    """Hundreds of calls from one client: the rate limits are tested elsewhere."""
    from notices import throttles

    monkeypatch.setattr(throttles.NoticeIntakeThrottle, "allow_request", lambda *a: True)


def test_the_matrix_names_every_route_and_every_api_operation(world):
    routes = url_conf_routes()
    in_table = {route for _, route in MATRIX}
    assert routes - in_table == set(), "routes without a row: who may call them?"
    assert in_table - routes == set(), "rows for routes that no longer exist"
    missing = schema_operations(CommitAPIClient()) - set(MATRIX)
    assert missing == set(), "API operations without a row"


def test_every_caller_gets_exactly_the_access_the_matrix_gives(world):
    wrong = []
    for (method, route), allowed in MATRIX.items():
        for caller in CALLERS:
            with transaction.atomic():
                status, location = call(caller, method, route, world)
                transaction.set_rollback(True)
            if status >= 500:
                wrong.append(f"{method} /{route} as {caller}: {status}")
            elif refused(status, location) == (caller in allowed):
                verdict = "refused" if caller in allowed else "let through"
                wrong.append(f"{method} /{route} as {caller}: {verdict} ({status} {location})")
    assert wrong == [], "\n".join(wrong)
