"""The complainant's filing page: the same rules whether the page's script sends the form (and
asks for JSON) or the browser posts it without JavaScript."""

import re

from django.urls import reverse

from notices.models import Notice

from .conftest import notice_payload, post_url, upload

JSON = {"HTTP_ACCEPT": "application/json"}


def web_payload(reported: str, **overrides) -> dict:
    """The form as the page sends it: the URLs in one textarea, the statements as checkboxes."""
    payload = notice_payload([], good_faith="on", accuracy="on", **overrides)
    payload["reported_urls"] = reported
    return payload


def test_the_script_gets_per_field_errors_as_json_and_nothing_is_stored(client, demo_posts):
    payload = web_payload(
        "https://elsewhere.example/photo/1",
        reference_photos=[upload("x.jpg", b"not an image")],
        notifier_name="",
    )
    del payload["good_faith"]
    response = client.post(reverse("notices:new"), payload, **JSON)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert set(errors) == {"notifier_name", "reported_urls", "reference_photos", "good_faith"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert "not on this platform" in errors["reported_urls"][0]
    assert "not a photo" in errors["reference_photos"][0]
    assert Notice.objects.count() == 0


def test_the_script_is_told_where_the_receipt_is_and_the_receipt_shows_the_notice(
    client, clinic_post
):
    response = client.post(reverse("notices:new"), web_payload(post_url(clinic_post)), **JSON)

    assert response.status_code == 200
    assert response.json() == {"redirect": reverse("notices:receipt")}
    notice = Notice.objects.get()
    receipt = client.get(response.json()["redirect"])
    page = receipt.content.decode()
    assert notice.reference in page
    assert 'id="token"' in page and "What happens next" in page
    # Shown once: a second visit no longer has the token.
    again = client.get(reverse("notices:receipt"))
    assert again.status_code == 302


def test_an_agent_without_authorisation_gets_the_error_on_that_field(client, clinic_post):
    response = client.post(
        reverse("notices:new"), web_payload(post_url(clinic_post), relationship="agent"), **JSON
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["authorization_document"]
    assert Notice.objects.count() == 0


def test_a_throttled_script_gets_a_general_error_with_retry_after(client, clinic_post):
    from rest_framework.settings import api_settings

    from notices.throttles import NoticeIntakeThrottle

    NoticeIntakeThrottle.THROTTLE_RATES = dict(
        api_settings.DEFAULT_THROTTLE_RATES, notices="1/hour"
    )
    try:
        first = client.post(reverse("notices:new"), web_payload(post_url(clinic_post)), **JSON)
        second = client.post(reverse("notices:new"), web_payload(post_url(clinic_post)), **JSON)
    finally:
        NoticeIntakeThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    assert first.status_code == 200
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 0
    assert "nothing was stored" in second.json()["errors"]["non_field_errors"][0]
    assert Notice.objects.count() == 1


def _field(page: str, name: str) -> str:
    """The HTML of one field's block on the page."""
    match = re.search(rf'<div class="field[^"]*" id="field-{name}".*?</ul>\s*</div>', page, re.S)
    assert match, name
    return match.group(0)


def test_without_javascript_each_error_is_shown_next_to_its_field(client, demo_posts):
    payload = web_payload("https://elsewhere.example/photo/1", notifier_email="not-an-address")
    del payload["accuracy"]
    response = client.post(reverse("notices:new"), payload)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the fields marked below. Nothing was stored." in page
    urls = _field(page, "reported_urls")
    assert "not on this platform" in urls
    assert 'aria-invalid="true"' in urls
    assert 'aria-describedby="help-reported_urls error-reported_urls"' in urls
    assert "valid email" in _field(page, "notifier_email")
    assert "You must confirm" in _field(page, "accuracy")
    # The fields without a problem carry no message.
    assert "<li>" not in _field(page, "notifier_name")
    assert 'aria-invalid="true"' not in _field(page, "notifier_name")
    assert Notice.objects.count() == 0


def test_without_javascript_the_form_is_one_page_with_all_five_steps(client, db):
    page = client.get(reverse("notices:new")).content.decode()

    steps = re.findall(r'<fieldset class="step" id="step-(\d)"', page)
    assert steps == ["1", "2", "3", "4", "5"]
    assert "Step 5 of 5" in page
    # The plain submit button is in the page; Back/Next wait for the script (hidden).
    assert re.search(r'<div class="form-actions" id="plain-submit">\s*<button type="submit">', page)
    assert page.count('<div class="step-nav" hidden>') == 5
    for name in ("notifier_name", "reported_urls", "reference_photos", "identity_document"):
        assert f'name="{name}"' in page


def test_the_tracking_page_offers_only_the_actions_open(client, clinic_post):
    client.post(reverse("notices:new"), web_payload(post_url(clinic_post)))
    receipt = client.get(reverse("notices:receipt")).content.decode()
    token = re.search(r'<code id="token"[^>]*>([^<]+)</code>', receipt).group(1)
    notice = Notice.objects.get()

    page = client.get(notice.tracking_path(token), follow=True).content.decode()

    assert '<strong id="status">Received</strong>' in page
    assert "What you can do now" in page
    assert 'id="withdraw"' in page and 'id="erase"' in page
    assert 'id="appeal-form"' not in page and 'id="provide-info"' not in page
    assert 'id="legal-action-form"' not in page
    assert "Notice received; a receipt was sent to you." in page


def _filed_and_tracked(client, clinic_post) -> tuple[Notice, str]:
    client.post(reverse("notices:new"), web_payload(post_url(clinic_post)))
    receipt = client.get(reverse("notices:receipt")).content.decode()
    token = re.search(r'<code id="token"[^>]*>([^<]+)</code>', receipt).group(1)
    return Notice.objects.get(), token


def _decide(moderator, notice, **decision):
    from cases.models import Case

    from .conftest import api_as

    case = Case.objects.get(notice=notice)
    api_as(moderator).post(f"/api/v1/cases/{case.pk}/claim/")
    response = api_as(moderator).post(f"/api/v1/cases/{case.pk}/decide/", decision, format="json")
    assert response.status_code == 200, response.content


def test_asked_for_information_the_complainant_sees_the_answer_form_and_its_date(
    client, clinic_post, moderator_a
):
    notice, token = _filed_and_tracked(client, clinic_post)
    _decide(moderator_a, notice, outcome="request_info", reasons="Send a clearer ID photo.")

    page = client.get(notice.tracking_path(token), follow=True).content.decode()

    assert '<strong id="status">Needs information</strong>' in page
    assert "We need more information from you" in page
    answer_form = re.search(r'<form[^>]*id="provide-info".*?</form>', page, re.S).group(0)
    assert "Please answer by" in answer_form
    assert "Send a clearer ID photo." in answer_form
    assert 'id="appeal-form"' not in page


def test_after_a_rejection_the_complainant_sees_the_decision_and_may_appeal(
    client, clinic_post, moderator_a
):
    notice, token = _filed_and_tracked(client, clinic_post)
    _decide(moderator_a, notice, outcome="reject", ground="insufficient_evidence", reasons="No.")

    page = client.get(notice.tracking_path(token), follow=True).content.decode()

    assert '<strong id="status">Rejected</strong>' in page
    assert 'id="decision"' in page and "Not upheld" in page
    assert 'id="appeal-form"' in page and "free of charge" in page
    assert 'id="withdraw"' not in page and 'id="provide-info"' not in page
