"""The transition table: every action from every state, allowed or refused with 409."""

import itertools

import pytest

from cases import services
from cases.errors import Conflict, NotAllowed
from cases.models import ActionLog, Case, State
from cases.roles import Actor

from .conftest import api_as


@pytest.fixture
def bare_case(db, django_capture_on_commit_callbacks):
    """A case with one reported item, built without the platform (state set per test)."""
    from datetime import timedelta

    from django.utils import timezone

    from notices.models import Notice, ReportedItem

    notice = Notice.objects.create(
        reference="TD-2026-990001",
        tracking_token_hash=Notice.hash_token("t"),
        notifier_name="Mei Lin",
        notifier_email="mei@example.com",
        relationship="self",
        use_type="sale",
        description="x",
        requested_measure="delete",
        good_faith=True,
        accuracy=True,
        signature="Mei Lin",
    )
    ReportedItem.objects.create(
        notice=notice, submitted="post-1", content_id="post-1", url="http://x/platform/posts/1/"
    )
    return Case.objects.create(notice=notice, due_at=timezone.now() + timedelta(hours=1))


ACTOR_FOR = {
    "provide_info": "complainant",
    "withdraw": "complainant",
    "close": "legal",
}


def _call(action: str, case: Case, user):
    actor = Actor.staff(user)
    if action == "claim":
        return services.case_claim(case_id=case.pk, actor=actor)
    if action == "release":
        return services.case_release(case_id=case.pk, actor=actor)
    if action in ("uphold", "reject", "request_info"):
        outcome = {"uphold": "uphold", "reject": "reject", "request_info": "request_info"}[action]
        ground = {"uphold": "portrait_right", "reject": "insufficient_evidence"}.get(outcome)
        return services.case_decide(
            case_id=case.pk,
            actor=actor,
            outcome=outcome,
            reasons="Because.",
            measure="delete",
            ground=ground,
        )
    if action == "provide_info":
        return services.case_provide_info(case_id=case.pk, message="Here it is.")
    if action == "withdraw":
        return services.case_withdraw(case_id=case.pk)
    if action == "close":
        return services.case_close(case_id=case.pk, actor=actor)
    if action == "close_no_action":
        return services.case_transition(case_id=case.pk, action=action, actor=Actor.system())
    # The redress actions' own rules (evidence, windows, who decided) are tested in
    # test_lifecycle.py; here only the table's states are.
    if action == "counter_notice":
        return services.case_transition(case_id=case.pk, action=action, actor=Actor.uploader())
    if action in ("legal_action_proof", "appeal"):
        return services.case_transition(case_id=case.pk, action=action, actor=Actor.complainant())
    if action in ("maintain", "restore_after_dispute"):
        return services.case_transition(case_id=case.pk, action=action, actor=actor)
    if action in ("restore", "restore_expired", "expire_measure"):
        return services.case_transition(case_id=case.pk, action=action, actor=Actor.system())
    raise AssertionError(action)


ALL_PAIRS = list(itertools.product(State.values, services.ACTIONS))
ILLEGAL = [(s, a) for s, a in ALL_PAIRS if (s, a) not in services.TRANSITIONS]
LEGAL = [(s, a) for s, a in ALL_PAIRS if (s, a) in services.TRANSITIONS]


def _set_state(case: Case, state: str, holder=None):
    from datetime import timedelta

    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(
        state=state,
        claimed_by=holder,
        claim_expires_at=timezone.now() + timedelta(minutes=5) if holder else None,
    )


def roles_of(action: str) -> set[str]:
    return {str(role) for role in services.ACTION_ROLES[action]}


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_an_action_not_in_the_table_is_refused_with_409_and_changes_nothing(
    bare_case, legal, state, action
):
    _set_state(bare_case, state, holder=legal)
    with pytest.raises(Conflict) as refused:
        _call(action, bare_case, legal)

    assert f"The action {action} is not possible in state {state}." in refused.value.message
    # Steps only the system takes are not offered to a person.
    offered = [a for a in services.allowed_actions(state) if roles_of(a) != {"system"}]
    if offered:
        assert f"the allowed actions are: {', '.join(offered)}." in refused.value.message
    else:
        assert "no further action" in refused.value.message
    assert Case.objects.get(pk=bare_case.pk).state == state
    assert not ActionLog.objects.filter(case=bare_case).exists()


@pytest.mark.parametrize("state, action", LEGAL)
def test_an_action_in_the_table_moves_the_case_and_logs_it(
    bare_case, legal, state, action, django_capture_on_commit_callbacks
):
    _set_state(bare_case, state, holder=legal)
    _call(action, bare_case, legal)

    case = Case.objects.get(pk=bare_case.pk)
    assert case.state == services.TRANSITIONS[(state, action)]
    entry = ActionLog.objects.get(case=bare_case)
    assert (entry.action, entry.from_state, entry.to_state) == (action, state, case.state)


@pytest.mark.parametrize(
    "action, role",
    [
        ("close", "moderator"),
        ("withdraw", "moderator"),
        ("provide_info", "legal"),
    ],
)
def test_a_role_outside_the_table_is_refused(bare_case, moderator_a, legal, action, role):
    user = moderator_a if role == "moderator" else legal
    actor = Actor.staff(user)
    with pytest.raises(NotAllowed):
        services.case_transition(case_id=bare_case.pk, action=action, actor=actor)


@pytest.mark.parametrize(
    "state", [s for s in State.values if (s, "uphold") not in services.TRANSITIONS]
)
def test_the_api_answers_409_with_what_is_allowed(bare_case, moderator_a, state):
    _set_state(bare_case, state, holder=moderator_a)
    response = api_as(moderator_a).post(
        f"/api/v1/cases/{bare_case.pk}/decide/",
        {"outcome": "uphold", "ground": "portrait_right", "reasons": "x", "measure": "delete"},
        format="json",
    )
    assert response.status_code == 409
    assert f"not possible in state {state}" in response.json()["detail"]
    assert "close_no_action" not in response.json()["detail"]


@pytest.mark.parametrize("action", ["restore", "restore_expired", "expire_measure"])
def test_what_only_the_deadline_job_does_is_refused_to_every_person(bare_case, admin_user, action):
    with pytest.raises(NotAllowed, match="the system does it when its deadline comes"):
        services.case_transition(case_id=bare_case.pk, action=action, actor=Actor.staff(admin_user))
    assert not ActionLog.objects.filter(case=bare_case).exists()


def test_closing_as_a_moderator_through_the_api_is_403(bare_case, moderator_a):
    _set_state(bare_case, "rejected")
    response = api_as(moderator_a).post(f"/api/v1/cases/{bare_case.pk}/close/")
    assert response.status_code == 403
    assert "legal" in response.json()["detail"]


def test_an_unknown_case_is_404(db, moderator_a):
    assert api_as(moderator_a).post("/api/v1/cases/999999/claim/").status_code == 404


def test_the_verify_command_passes_an_intact_log_and_fails_a_tampered_one(bare_case, legal):
    import io

    from django.core.management import CommandError, call_command
    from django.db import connection

    services.case_claim(case_id=bare_case.pk, actor=Actor.staff(legal))
    out = io.StringIO()
    call_command("verify_action_log", stdout=out)
    assert "intact: 1 entries" in out.getvalue()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_actionlog SET reasons = 'rewritten'")
    with pytest.raises(CommandError, match="fails verification"):
        call_command("verify_action_log", stdout=io.StringIO(), stderr=io.StringIO())
