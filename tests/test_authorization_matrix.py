"""Who may call what: every URL of the site and every operation of the API schema, called as
each kind of caller, against one table of the allowed callers.

The table must name exactly the routes of the URL conf and the operations of the OpenAPI
schema: a new endpoint fails this test until its row says who may use it. Pages too are rows
of (method, route): a method a page does not list must answer nobody (405, or a refusal), so a
page that starts answering a new method fails until its row is added. The admin's pages are
rows too, for every registered model (its list, add, change, delete and history pages), from
ADMIN_ACCESS. Django's admin answers any method, reading pages the way it answers GET; its
rows list GET for what a page shows and POST for what a form changes.

A call is *allowed* when it reaches the endpoint's own logic (any answer but a refusal);
*refused* means 401, 403, the 404 given for a wrong token or object the caller may not see, or
a redirect to the sign-in page. Each call runs in a transaction rolled back afterwards, so one
caller's action does not change what the next one meets. A staff action refused by role
answers 403 on the web as on the API, so the web rows hold the same role sets as the API's.
"""

import copy
import re
import uuid
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from cases.models import (
    Appeal,
    Case,
    CounterNotice,
    DeadlineBreach,
    Decision,
    RepeatInfringer,
    StatementExport,
    UploaderAccess,
)
from demo_platform.models import UploaderMessage
from notices.authentication import api_token_create
from notices.models import EvidenceFile, NotifierSanction, Organisation

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


def _admin_app_index_route() -> str:
    """The admin's app index, a pattern naming every app with a registered model."""
    (pattern,) = [p for p in admin.site.get_urls() if getattr(p, "name", None) == "app_list"]
    return "admin/" + str(pattern.pattern)


ADMIN_APP_INDEX = _admin_app_index_route()

# (method, route as in the URL conf) -> who may call it. Bodies are chosen so that an allowed
# caller gets past validation where a refusal by role would come after it.
MATRIX = {
    # --- public pages ---------------------------------------------------------------------
    ("GET", ""): EVERYONE,
    ("GET", "accounts/login/"): EVERYONE,
    ("POST", "accounts/login/"): EVERYONE,
    ("POST", "accounts/logout/"): EVERYONE,
    ("GET", "accounts/second-factor/"): STAFF,
    ("POST", "accounts/second-factor/"): STAFF,
    ("GET", "accounts/second-factor/enrol/"): STAFF,
    ("POST", "accounts/second-factor/enrol/"): STAFF,
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
    # --- staff pages (their actions: the same role sets as the API's) ---------------------------
    ("GET", "staff/"): STAFF,
    ("GET", "staff/cases/<int:pk>/"): STAFF,
    ("POST", "staff/cases/<int:pk>/claim/"): STAFF,
    ("POST", "staff/cases/<int:pk>/release/"): STAFF,
    ("POST", "staff/cases/<int:pk>/claim/renew/"): STAFF,
    ("POST", "staff/cases/<int:pk>/decide/"): STAFF,
    ("POST", "staff/cases/<int:pk>/close/"): SENIOR,
    ("POST", "staff/cases/<int:pk>/resolve-dispute/"): SENIOR,
    ("GET", "staff/evidence/<int:pk>/"): SENIOR,  # an identity document
    ("POST", "staff/bulk/"): STAFF,
    ("GET", "staff/dashboard/"): STAFF,
    ("GET", "staff/dashboard/export.csv"): STAFF,
    ("GET", "staff/transparency/"): STAFF,
    ("GET", "staff/transparency/export.csv"): STAFF,
    ("POST", "staff/measures/<int:pk>/retry/"): STAFF,
    # --- the admin site's own pages (each model's pages: ADMIN_ACCESS below) -----------------
    ("GET", "admin/"): STAFF,
    ("GET", "admin/login/"): EVERYONE,
    ("POST", "admin/login/"): EVERYONE,
    ("POST", "admin/logout/"): EVERYONE,
    ("GET", "admin/password_change/"): STAFF,
    ("GET", "admin/password_change/done/"): STAFF,
    ("GET", "admin/autocomplete/"): NOBODY,  # needs a model with search fields to ask
    ("GET", "admin/jsi18n/"): STAFF,
    ("GET", "admin/r/<path:content_type_id>/<path:object_id>/"): NOBODY,  # no public pages
    ("GET", ADMIN_APP_INDEX): STAFF,
    ("GET", "admin/(?P<url>.*)$"): NOBODY,
    ("GET", "admin/auth/user/<id>/password/"): frozenset({ADMIN}),
    # A device's key, as a QR code or a URL: superusers only (staff enrol their own).
    ("GET", "admin/otp_totp/totpdevice/<int:pk>/config/"): NOBODY,
    ("GET", "admin/otp_totp/totpdevice/<int:pk>/qrcode/"): NOBODY,
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

# Each registered admin model: (who sees its list, an entry and its history; who may open the
# add page and add; who may save a change; who may delete). As tests/test_admin_roles.py and
# the role migrations give it: every role reads the case records; only the admin role adds
# organisations, tokens and users; nothing is deleted through the admin; the sign-in records,
# devices, the outbox, the demo platform and the staydown bank are for superusers only.
VIEW = STAFF
ADMIN_ONLY = frozenset({ADMIN})
ADMIN_ACCESS = {
    "auth.group": (NOBODY, NOBODY, NOBODY, NOBODY),
    "auth.user": (ADMIN_ONLY, ADMIN_ONLY, ADMIN_ONLY, NOBODY),
    "authtoken.tokenproxy": (NOBODY, NOBODY, NOBODY, NOBODY),
    "axes.accessattempt": (NOBODY, NOBODY, NOBODY, NOBODY),
    "axes.accesslog": (NOBODY, NOBODY, NOBODY, NOBODY),
    "axes.accessfailurelog": (NOBODY, NOBODY, NOBODY, NOBODY),
    "otp_totp.totpdevice": (NOBODY, NOBODY, NOBODY, NOBODY),
    "notices.notice": (VIEW, NOBODY, NOBODY, NOBODY),
    "notices.reporteditem": (VIEW, NOBODY, NOBODY, NOBODY),
    "notices.evidencefile": (VIEW, NOBODY, NOBODY, NOBODY),
    "notices.outboundemail": (NOBODY, NOBODY, NOBODY, NOBODY),
    "notices.organisation": (VIEW, ADMIN_ONLY, ADMIN_ONLY, NOBODY),
    "notices.apitoken": (VIEW, ADMIN_ONLY, ADMIN_ONLY, NOBODY),
    "notices.notifiersanction": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.case": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.matchresult": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.decision": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.platformmeasure": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.actionlog": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.counternotice": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.appeal": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.deadlinebreach": (VIEW, NOBODY, NOBODY, NOBODY),
    "cases.repeatinfringer": (VIEW, NOBODY, NOBODY, NOBODY),
    # Who handed out which statement of reasons: the roles that export them.
    "cases.statementexport": (frozenset({LEGAL, ADMIN}), NOBODY, NOBODY, NOBODY),
    "demo_platform.account": (NOBODY, NOBODY, NOBODY, NOBODY),
    "demo_platform.post": (NOBODY, NOBODY, NOBODY, NOBODY),
    "demo_platform.uploadermessage": (NOBODY, NOBODY, NOBODY, NOBODY),
    "staydown.bankentry": (NOBODY, NOBODY, NOBODY, NOBODY),
}


def admin_rows(label: str) -> dict:
    """The matrix rows of one admin model's pages."""
    viewers, adders, changers, deleters = ADMIN_ACCESS[label]
    base = "admin/" + label.replace(".", "/") + "/"
    entry = base + "<path:object_id>/"
    return {
        ("GET", base): viewers,
        ("POST", base): viewers,  # the list's actions (each checks its own permission)
        ("GET", base + "add/"): adders,
        ("POST", base + "add/"): adders,
        ("GET", entry + "change/"): viewers | changers,
        ("POST", entry + "change/"): changers,
        ("GET", entry + "history/"): viewers | changers,
        ("GET", entry + "delete/"): deleters,
        ("POST", entry + "delete/"): deleters,
        # Django's redirect to the change page (for staff), which checks: it shows nothing.
        ("GET", entry): STAFF,
    }


for _label in ADMIN_ACCESS:
    MATRIX.update(admin_rows(_label))


# Bodies sent with a POST: valid enough that validation does not answer before the role check.
BODIES = {
    "staff/cases/<int:pk>/decide/": {
        "outcome": "reject",
        "ground": "insufficient_evidence",
        "reasons": "Checked.",
    },
    "staff/cases/<int:pk>/close/": {"reasons": "Done."},
    "staff/cases/<int:pk>/resolve-dispute/": {"outcome": "maintain", "reasons": "Checked."},
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
    """Every route of the URL conf, the admin's included."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
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
    world = SimpleNamespace(
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
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    world.cookies = {caller: _signed_in_cookies(caller, world) for caller in CALLERS}
    world.web_client, world.api_client = CommitClient(), CommitAPIClient()
    # A failed sign-in, so that the sign-in records have entries to show (or not) too.
    world.web_client.post("/accounts/login/", {"username": "moderator_a", "password": "wrong"})
    AccessFailureLog.objects.create(
        username="moderator_a", ip_address="127.0.0.1", path_info="/accounts/login/"
    )
    _records_for_the_admin(Case.objects.get(notice__reference=other["reference"]), legal)
    # An entry of each admin model.
    world.admin_objects = {
        label: model._default_manager.order_by("pk").first().pk
        for model in admin.site._registry
        for label in [model._meta.label_lower]
    }
    return world


def _records_for_the_admin(case, reviewer) -> None:
    """One of each lifecycle record, on the other notice's case (the calls go to the first):
    so that the admin's entry pages have an entry to show, or to refuse."""
    now = timezone.now()
    decision = Decision.objects.create(
        case=case, outcome="reject", reasons="Checked.", decided_by=reviewer
    )
    Appeal.objects.create(
        case=case,
        appealed_decision=decision,
        party="complainant",
        statement="Look again.",
        decided_at=now,
    )
    access = UploaderAccess.objects.create(
        case=case, uploader_id="someone", nonce="n", token_hash="0" * 64
    )
    CounterNotice.objects.create(
        case=case,
        access=access,
        name="Someone",
        email="someone@example.com",
        statement="Mine.",
        good_faith=True,
        signature="Someone",
        policy="test",
        policy_basis="test",
        waiting_period_ends_at=now,
        status="restored",
    )
    DeadlineBreach.objects.create(case=case, stage="decision", due_at=now, detected_at=now)
    RepeatInfringer.objects.create(uploader_id="someone", upheld_cases=3, flagged_at=now)
    StatementExport.objects.create(
        puid="TD-2026-000002-item1-measure1",
        batch=uuid.uuid4(),
        exported_at=now,
        exported_by=reviewer,
        channel="api",
    )
    NotifierSanction.objects.create(
        notifier_email="someone.else@example.com",
        kind="warning",
        unfounded_count=1,
        reasons="Unfounded.",
        starts_at=now,
        notice=case.notice,
    )


def _signed_in_cookies(caller: str, world):
    """The cookies of a web session as ``caller`` (made once: each call copies them, and the
    rollback after each call undoes what it changed in the session store)."""
    client = CommitClient()
    if caller in STAFF:
        client.force_login(world.users[caller])
    elif caller in (COMPLAINANT, OTHER_COMPLAINANT):
        token = world.token if caller == COMPLAINANT else world.other_token
        client.get(f"/notices/track/{world.reference}/?token={token}")
    elif caller == UPLOADER:
        client.get(f"/respond/{world.reference}/?token={world.uploader_token}")
    return client.cookies


def concrete_path(route: str, world) -> str:
    if route.startswith("admin/"):
        return _admin_path(route, world)
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


def _admin_path(route: str, world) -> str:
    if route == ADMIN_APP_INDEX:
        return "/admin/cases/"
    if route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if route.startswith("admin/r/"):
        from django.contrib.contenttypes.models import ContentType

        kind = ContentType.objects.get_for_model(Case)
        return f"/admin/r/{kind.pk}/{world.case.pk}/"
    if route == "admin/auth/user/<id>/password/":
        return f"/admin/auth/user/{world.users[MODERATOR].pk}/password/"
    if "<path:object_id>" in route or "<int:pk>" in route:
        app, model = route.split("/")[1:3]
        pk = str(world.admin_objects[f"{app}.{model}"])
        return "/" + route.replace("<path:object_id>", pk).replace("<int:pk>", pk)
    return "/" + route


def call(caller: str, method: str, route: str, world):
    """One call as ``caller``; the answer's status and where a redirect goes."""
    path = concrete_path(route, world)
    web = not route.startswith(("api/", "platform/api/"))
    headers = {}
    # Two clients for every call (a new client loads the middleware again, which is slow);
    # each call starts from the caller's own cookies, or none.
    if web:
        client = world.web_client
        client.cookies = copy.deepcopy(world.cookies[caller])
    else:
        client = world.api_client
        client.cookies = SimpleCookie()
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
    elif method != "POST":
        response = client.generic(method, path, **headers)
    elif web:
        response = client.post(path, body, **headers)
    else:
        response = client.post(path, body, format="json", **headers)
    return response.status_code, response.get("Location", "")


def rolled_back_call(caller: str, method: str, route: str, world):
    with transaction.atomic():
        answer = call(caller, method, route, world)
        transaction.set_rollback(True)
    return answer


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


def test_every_registered_admin_model_has_its_row_of_access():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_ACCESS), "admin models without a row: who sees them?"


# Pages (not API operations, which the schema lists, nor the admin's: see the module's
# docstring) are probed with these methods.
PAGE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_no_caller_reaches_a_page_with_a_method_its_rows_do_not_list(world):
    reached = []
    for route in sorted(url_conf_routes()):
        if route.startswith(("api/", "admin/")):
            continue
        for method in PAGE_METHODS:
            if (method, route) in MATRIX:
                continue
            for caller in CALLERS:
                status, location = rolled_back_call(caller, method, route, world)
                if status != 405 and not refused(status, location):
                    reached.append(f"{method} /{route} as {caller}: {status} {location}")
    assert reached == [], "methods pages answer without a row:\n" + "\n".join(reached)


def test_every_caller_gets_exactly_the_access_the_matrix_gives(world):
    wrong = []
    # Erasing deletes files from storage, which no rollback brings back: those rows go last.
    rows = sorted(MATRIX.items(), key=lambda row: row[0][1].endswith("/erase/"))
    for (method, route), allowed in rows:
        for caller in CALLERS:
            status, location = rolled_back_call(caller, method, route, world)
            if status >= 500:
                wrong.append(f"{method} /{route} as {caller}: {status}")
            elif refused(status, location) == (caller in allowed):
                verdict = "refused" if caller in allowed else "let through"
                wrong.append(f"{method} /{route} as {caller}: {verdict} ({status} {location})")
    assert wrong == [], "\n".join(wrong)


def test_a_web_action_refused_by_role_answers_403_with_the_reason(world):
    client = CommitClient()
    client.cookies = copy.deepcopy(world.cookies[MODERATOR])

    response = client.post(f"/staff/cases/{world.case.pk}/close/", {"reasons": "Done."})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role may not close a case; only admin or legal may." in page
    assert f'href="/staff/cases/{world.case.pk}/"' in page
