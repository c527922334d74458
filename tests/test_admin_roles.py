"""What each staff role may do with the lifecycle's records and organisations in the admin.

The tests name ``db`` although the personas need it anyway: fixtures fetched by name at run
time are invisible to the test ordering, which would otherwise run them after the tests that
empty the database (and its role groups)."""

import pytest

from .conftest import web_as

PAGES = [
    "/admin/cases/counternotice/",
    "/admin/cases/appeal/",
    "/admin/cases/deadlinebreach/",
    "/admin/cases/repeatinfringer/",
    "/admin/notices/notifiersanction/",
    "/admin/notices/organisation/",
]


@pytest.mark.parametrize("who", ["moderator_a", "legal", "admin_user"])
@pytest.mark.parametrize("page", PAGES)
def test_every_role_can_read_the_lifecycle_records(db, request, who, page):
    assert web_as(request.getfixturevalue(who)).get(page).status_code == 200


@pytest.mark.parametrize("who, status", [("moderator_a", 403), ("legal", 403), ("admin_user", 200)])
def test_only_the_admin_role_registers_organisations(db, request, who, status):
    browser = web_as(request.getfixturevalue(who))
    assert browser.get("/admin/notices/organisation/add/").status_code == status
    assert browser.get("/admin/notices/apitoken/add/").status_code == status


def test_nobody_edits_a_repeat_infringer_flag_or_a_sanction(admin_user):
    browser = web_as(admin_user)
    assert browser.get("/admin/cases/repeatinfringer/add/").status_code == 403
    assert browser.get("/admin/notices/notifiersanction/add/").status_code == 403


@pytest.mark.parametrize("who, status", [("moderator_a", 403), ("legal", 200), ("admin_user", 200)])
def test_the_roles_that_export_statements_see_what_was_exported(db, request, who, status):
    browser = web_as(request.getfixturevalue(who))
    assert browser.get("/admin/cases/statementexport/").status_code == status
    assert browser.get("/admin/cases/statementexport/add/").status_code == 403
