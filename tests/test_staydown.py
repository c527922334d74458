"""The staydown bank: what was taken down is found again when it is uploaded again, until the
measure is lifted; the bank travels as a CSV hash list."""

import io
import re

import numpy as np
import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from PIL import Image, ImageEnhance
from rest_framework.test import APIClient

from cases import deadlines, signals
from cases.models import Case, PlatformMeasure
from demo_platform.models import Post, UploaderMessage
from demo_platform.story_images import seed_posts
from staydown import bank
from staydown.index import HammingIndex, scan
from staydown.models import BankEntry
from staydown.services import BankImportError, bank_import_csv

from .conftest import (
    CommitAPIClient,
    api_as,
    jpeg_bytes,
    notice_payload,
    post_url,
    posts_by_role,
    upload,
)
from .test_lifecycle import START, UPHOLD, Story

HASH_A = "f" * 16 + "0" * 48
HASH_B = "0123456789abcdef" * 4


@pytest.fixture(autouse=True)
def fresh_index():
    bank.reset()
    yield
    bank.reset()


@pytest.fixture
def platform_account(db):
    user = User.objects.get_or_create(username="platform-screening")[0]
    user.groups.add(Group.objects.get_or_create(name="platform")[0])
    return user


def _story_image(role: str) -> Image.Image:
    post = next(p for p in seed_posts() if p.role == role)
    return Image.open(io.BytesIO(post.image_jpeg)).convert("RGB")


def _jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _counts(result: dict) -> tuple[int, int]:
    return result["imported"], result["skipped"]


def _screen(user, data: bytes):
    return api_as(user).post(
        "/api/v1/screen/", {"image": upload("upload.jpg", data)}, format="multipart"
    )


def _file_and_uphold(api, post, moderator) -> Case:
    """A notice reporting ``post``, upheld with a deletion by ``moderator``."""
    body = api.post("/api/v1/notices/", notice_payload([post_url(post)]), format="multipart").json()
    case = Case.objects.get(notice__reference=body["reference"])
    api_as(moderator).post(f"/api/v1/cases/{case.pk}/claim/")
    response = api_as(moderator).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": "Her selfie, used as an advert.",
            "measure": "delete",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    return case


@pytest.fixture
def removed_clinic_post(anonymous_api, demo_posts, moderator_a):
    """The clinic's repost of her selfie, reported, upheld and deleted."""
    return _file_and_uphold(anonymous_api, posts_by_role("clinic")[0], moderator_a)


def test_an_upheld_deletion_banks_the_reported_image_with_its_case(removed_clinic_post):
    measure = PlatformMeasure.objects.get(case=removed_clinic_post, measure="delete")
    entry = BankEntry.objects.get()

    assert entry.platform_measure == measure
    assert entry.reference == removed_clinic_post.reference
    assert entry.measure == "delete"
    assert entry.source == "case"
    assert len(entry.pdq) == 64 and entry.removed_at is None


def test_screening_finds_a_reuploaded_near_duplicate_of_a_removed_photo(
    removed_clinic_post, platform_account
):
    clinic = _story_image("clinic")
    # Re-uploaded smaller, a little brighter, recompressed.
    again = ImageEnhance.Brightness(clinic.resize((300, 300))).enhance(1.1)

    response = _screen(platform_account, _jpeg(again, 60))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["matched"] is True
    [match] = body["matches"]
    assert match["case_reference"] == removed_clinic_post.reference
    assert match["measure"] == "delete"
    assert 0 <= match["distance"] <= 31
    assert [h["variant"] for h in body["hashes"]] == ["image", "mirrored"]


def test_screening_misses_an_unrelated_photo(removed_clinic_post, platform_account):
    unrelated = _story_image("unrelated")

    response = _screen(platform_account, _jpeg(unrelated))

    assert response.status_code == 200
    assert response.json() == {**response.json(), "matched": False, "matches": []}


def test_screening_stops_finding_it_after_the_case_is_reversed(
    removed_clinic_post, platform_account
):
    data = _jpeg(_story_image("clinic").resize((320, 320)))
    assert _screen(platform_account, data).json()["matched"] is True  # the index is built

    measure = PlatformMeasure.objects.get(case=removed_clinic_post, measure="delete")
    signals.measure_lifted.send(sender=PlatformMeasure, measure=measure)

    assert _screen(platform_account, data).json()["matched"] is False
    entry = BankEntry.objects.get()
    assert entry.removed_at is not None and "lifted" in entry.removed_reason


# --- taken out when the decision is reversed -------------------------------------------------


@pytest.fixture
def story(demo_posts, moderator_a, moderator_b, legal, django_capture_on_commit_callbacks):
    """The lifecycle walked through the public interfaces, the clock moved by time travel."""
    users = {"moderator_a": moderator_a, "moderator_b": moderator_b, "legal": legal}
    with time_machine.travel(START, tick=False) as traveller:
        yield Story(traveller, users, django_capture_on_commit_callbacks)


def _reupload() -> bytes:
    """The clinic's photo uploaded again: smaller and recompressed."""
    return _jpeg(_story_image("clinic").resize((320, 320)), 70)


def _uploader_token(post) -> str:
    message = UploaderMessage.objects.filter(post=post).order_by("pk").first()
    return re.search(r"\?token=([\w-]+)", message.body).group(1)


def test_screening_stops_finding_a_photo_once_an_appeal_reverses_its_takedown(
    story, platform_account
):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.post_is("deleted")
    found = _screen(platform_account, _reupload()).json()
    assert found["matched"] is True
    assert found["matches"][0]["case_reference"] == story.notice.reference

    story.appeal("uploader")
    story.claim("moderator_b")
    story.decide("moderator_b", "reject")
    story.post_is("live")

    assert _screen(platform_account, _reupload()).json()["matched"] is False


def test_screening_stops_finding_a_photo_restored_after_a_counter_notice(story, platform_account):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.days(14)
    story.enforce()
    assert _screen(platform_account, _reupload()).json()["matched"] is True  # still waiting

    story.days(1)
    story.enforce()
    story.state("restored")
    story.post_is("live")

    assert _screen(platform_account, _reupload()).json()["matched"] is False


@pytest.mark.parametrize(
    "ending",
    [
        [("resolve", "legal", "restore")],  # legal lift a disputed measure
        [("days", 11), ("enforce",)],  # a temporary measure past its end date
    ],
    ids=["dispute review lifts it", "temporary measure ends"],
)
def test_screening_stops_finding_a_photo_once_its_measure_is_lifted_otherwise(
    story, platform_account, ending
):
    story.file()
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold", 200, {"ends_on": "2026-11-12"})
    story.counter_notice()
    story.proof()
    assert _screen(platform_account, _reupload()).json()["matched"] is True

    for name, *args in ending:
        getattr(story, name)(*args)
    story.state("restored")

    assert _screen(platform_account, _reupload()).json()["matched"] is False


def test_a_reversal_takes_the_image_out_when_decided_before_the_platform_restores_it(
    removed_clinic_post, platform_account, moderator_b
):
    case, post = removed_clinic_post, posts_by_role("clinic")[0]
    assert _screen(platform_account, _reupload()).json()["matched"] is True
    appeal = CommitAPIClient().post(
        f"/api/v1/uploader/cases/{case.reference}/appeal/",
        {"statement": "It is our own customer's photo, used with her consent."},
        format="json",
        HTTP_X_UPLOADER_TOKEN=_uploader_token(post),
    )
    assert appeal.status_code == 201, appeal.json()
    # A client that does not run on-commit work: the restore is recorded, not yet sent.
    reviewer = APIClient()
    reviewer.force_authenticate(moderator_b)
    reviewer.post(f"/api/v1/cases/{case.pk}/claim/")
    decided = reviewer.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "reject", "ground": "insufficient_evidence", "reasons": "Consent shown."},
        format="json",
    )
    assert decided.status_code == 200, decided.json()

    assert PlatformMeasure.objects.get(case=case, measure="restore").status == "pending"
    assert Post.objects.get(pk=post.pk).state == "deleted"
    assert _screen(platform_account, _reupload()).json()["matched"] is False
    assert "restore decided" in BankEntry.objects.get().removed_reason


def test_the_end_of_a_counter_notice_period_takes_the_image_out_before_the_restore_runs(
    story, platform_account
):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.days(15)

    deadlines.enforce_deadlines()  # its on-commit work (the platform restore) not run

    story.state("restored")
    story.post_is("deleted")
    assert _screen(platform_account, _reupload()).json()["matched"] is False


def test_a_measure_whose_restore_is_already_decided_is_not_banked_when_applied_late(
    removed_clinic_post,
):
    from staydown.services import bank_add_for_measure

    banked = PlatformMeasure.objects.get(case=removed_clinic_post, measure="delete")
    late = PlatformMeasure.objects.create(
        case=removed_clinic_post,
        item=banked.item,
        measure="block",
        idempotency_key="td-measure-late",
    )
    PlatformMeasure.objects.create(
        case=removed_clinic_post,
        item=banked.item,
        measure="restore",
        lifts=late,
        idempotency_key="td-restore-late",
    )

    signals.measure_applied.send(sender=PlatformMeasure, measure=late)

    assert bank_add_for_measure(measure=late) is None
    assert list(BankEntry.objects.values_list("platform_measure", flat=True)) == [banked.pk]


def test_screening_accepts_precomputed_pdq_hashes(db, platform_account):
    bank_import_csv(text=f"{HASH_A},100,TD-2026-000009,delete\n")
    near = format(int(HASH_A, 16) ^ 0b111, "064x")  # 3 bits away

    response = api_as(platform_account).post(
        "/api/v1/screen/", {"pdq": [HASH_B, near], "max_distance": 10}, format="json"
    )

    assert response.status_code == 200
    [match] = response.json()["matches"]
    assert (match["case_reference"], match["distance"], match["matched_hash"]) == (
        "TD-2026-000009",
        3,
        1,
    )


def _flat_jpeg() -> bytes:
    return jpeg_bytes((128, 128, 128), size=(256, 256))


def test_a_flat_image_is_not_matched_and_the_answer_says_why(db, platform_account):
    from cases import imagematch

    flat = imagematch.pdq_fingerprint(_flat_jpeg())
    assert flat["quality"] < 50
    bank_import_csv(text=flat["pdq"])  # a list that banked one, without its quality

    response = _screen(platform_account, _flat_jpeg())

    assert response.status_code == 200
    body = response.json()
    assert (body["matched"], body["matches"], body["match_count"]) == (False, [], 0)
    assert [(h["screened"], h["quality"]) for h in body["hashes"]] == [(False, 0), (False, 0)]
    assert "too flat" in body["note"]


def test_precomputed_hashes_may_carry_their_quality(db, platform_account):
    bank_import_csv(text=f"{HASH_A}\n")
    screen = api_as(platform_account).post

    both = screen("/api/v1/screen/", {"pdq": [HASH_A, HASH_A], "quality": [20, 90]}, format="json")
    one_for_all = screen("/api/v1/screen/", {"pdq": HASH_A, "quality": 20}, format="json")
    unknown = screen("/api/v1/screen/", {"pdq": HASH_A}, format="json")

    assert [h["screened"] for h in both.json()["hashes"]] == [False, True]
    assert [m["matched_hash"] for m in both.json()["matches"]] == [1]
    assert "note" in both.json()
    assert one_for_all.json()["matched"] is False
    assert unknown.json()["matched"] is True and "note" not in unknown.json()


def test_an_upheld_takedown_of_a_flat_image_is_not_banked(
    anonymous_api, demo_posts, moderator_a, caplog
):
    clinic = posts_by_role("clinic")[0]
    Post.objects.filter(pk=clinic.pk).update(image=_flat_jpeg())

    case = _file_and_uphold(anonymous_api, clinic, moderator_a)

    assert PlatformMeasure.objects.get(case=case, measure="delete").status == "applied"
    assert not BankEntry.objects.exists()
    assert "too flat to bank" in caplog.text


def test_an_imported_hash_of_a_flat_image_is_not_banked(db):
    result = bank_import_csv(text=f"{HASH_A},20,partner-1\n{HASH_B},50,partner-1\n")

    assert (result["imported"], result["low_quality"]) == (1, 1)
    assert list(BankEntry.objects.values_list("pdq", flat=True)) == [HASH_B]


def test_screening_answers_the_nearest_hundred_and_counts_them_all(db, platform_account):
    one_bit_off = [format(int(HASH_A, 16) ^ (1 << bit), "064x") for bit in range(150)]
    bank_import_csv(text="\n".join([*one_bit_off, HASH_A]))

    body = api_as(platform_account).post("/api/v1/screen/", {"pdq": HASH_A}, format="json").json()

    assert (len(body["matches"]), body["match_count"], body["truncated"]) == (100, 151, True)
    assert body["matches"][0]["pdq"] == HASH_A and body["matches"][0]["distance"] == 0
    assert {m["distance"] for m in body["matches"][1:]} == {1}


def test_screening_is_throttled_per_account(db, platform_account, moderator_a, monkeypatch):
    from rest_framework.settings import api_settings

    from staydown.throttles import ScreeningThrottle

    rates = dict(api_settings.DEFAULT_THROTTLE_RATES, screening="2/minute")
    monkeypatch.setattr(ScreeningThrottle, "THROTTLE_RATES", rates)

    answers = [
        api_as(platform_account).post("/api/v1/screen/", {"pdq": HASH_A}, format="json")
        for _ in range(3)
    ]
    another_account = api_as(moderator_a).post("/api/v1/screen/", {"pdq": HASH_A}, format="json")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert another_account.status_code == 200


def test_the_api_schema_documents_the_screening_limits(db, anonymous_api):
    schema = anonymous_api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/screen/"]["post"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    result = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]

    assert "429" in operation["responses"]
    assert {"match_count", "truncated", "note"} <= set(result["properties"])
    assert "nearest 100" in operation["description"]


def test_staff_may_screen_too(db, moderator_a):
    response = api_as(moderator_a).post("/api/v1/screen/", {"pdq": HASH_A}, format="json")

    assert response.status_code == 200
    assert response.json()["matched"] is False


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "either an image"),
        ({"pdq": "abc"}, "64 hexadecimal digits"),
        ({"pdq": "z" * 64}, "0-9 and a-f"),
        ({"pdq": HASH_A, "max_distance": 32}, "less than or equal to 31"),
        ({"pdq": [HASH_A, HASH_B], "quality": [60, 70, 80]}, "one value for all the hashes"),
        ({"pdq": HASH_A, "quality": 101}, "less than or equal to 100"),
    ],
)
def test_bad_screening_input_gets_a_clear_400(db, platform_account, payload, message):
    response = api_as(platform_account).post("/api/v1/screen/", payload, format="json")

    assert response.status_code == 400
    assert message in str(response.json())


def test_an_image_and_hashes_together_or_a_non_image_are_refused(db, platform_account):
    both = api_as(platform_account).post(
        "/api/v1/screen/",
        {"image": upload("a.jpg", jpeg_bytes()), "pdq": HASH_A},
        format="multipart",
    )
    not_an_image = _screen(platform_account, b"%PDF-1.4 not a photo")

    assert both.status_code == 400 and "not both" in str(both.json())
    assert not_an_image.status_code == 400
    assert "could not be read as a JPEG, PNG, WebP or GIF image" in str(not_an_image.json())
    assert BankEntry.objects.count() == 0


def _encoded(image_format: str, size=(64, 48), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white").save(out, image_format)
    return out.getvalue()


def test_only_the_photo_formats_are_screened(db, platform_account):
    for image_format in ("BMP", "TIFF"):
        response = _screen(platform_account, _encoded(image_format))
        assert response.status_code == 400, image_format
        assert "could not be read as a JPEG, PNG, WebP or GIF image" in str(response.json())
    for image_format in ("PNG", "GIF", "WEBP"):
        assert _screen(platform_account, _encoded(image_format)).status_code == 200, image_format


def test_a_decompression_bomb_is_refused_by_its_pixel_count(db, platform_account):
    bomb = _encoded("PNG", size=(20000, 20000), mode="1")  # 400 megapixels in a few KB

    response = _screen(platform_account, bomb)

    assert response.status_code == 400
    assert "too many pixels" in response.json()["detail"]


def test_screening_needs_the_platform_account_or_staff(db, anonymous_api, stranger):
    assert anonymous_api.post("/api/v1/screen/", {"pdq": HASH_A}, format="json").status_code in (
        401,
        403,
    )
    assert api_as(stranger).post("/api/v1/screen/", {"pdq": HASH_A}).status_code == 403


def test_the_bank_csv_round_trips(db):
    text = (
        "pdq,quality,reference,measure,added_at,source,note\n"
        "# a comment line\n"
        f"{HASH_A},100,TD-2026-000001,delete,2026-03-01T10:00:00+00:00,case,\n"
        f"{HASH_B.upper()},,partner-list-7,,,,from a partner list\n"
        f"{'a' * 64}\n"
    )
    assert _counts(bank_import_csv(text=text)) == (3, 0)

    out = io.StringIO()
    call_command("staydown_export", stdout=out, stderr=io.StringIO())
    exported = out.getvalue()
    lines = exported.splitlines()

    assert lines[0] == "pdq,quality,reference,measure,added_at,source,note,removed_at"
    assert lines[1] == f"{HASH_A},100,TD-2026-000001,delete,2026-03-01T10:00:00+00:00,import,,"
    assert lines[2].startswith(f"{HASH_B},,partner-list-7,,")
    assert lines[2].endswith(",import,from a partner list,")
    # Importing the export again changes nothing; the same list in another bank is identical.
    assert _counts(bank_import_csv(text=exported)) == (0, 3)
    BankEntry.objects.all().delete()
    assert bank_import_csv(text=exported)["imported"] == 3
    again = io.StringIO()
    call_command("staydown_export", stdout=again, stderr=io.StringIO())
    assert again.getvalue() == exported


def test_a_removed_entry_is_exported_as_removed_and_stays_removed_on_import(db):
    bank_import_csv(text=f"{HASH_A},100,TD-2026-000001,delete\n")
    BankEntry.objects.update(removed_at="2026-04-01T00:00:00+00:00")
    out = io.StringIO()
    call_command("staydown_export", "--include-removed", stdout=out, stderr=io.StringIO())
    line = out.getvalue().splitlines()[1]
    assert line.endswith(",2026-04-01T00:00:00+00:00")

    BankEntry.objects.all().delete()
    bank_import_csv(text=out.getvalue())
    assert BankEntry.objects.get().removed_at is not None


def test_an_unknown_measure_refuses_the_file(db):
    with pytest.raises(BankImportError, match="line 1: measure must be one of"):
        bank_import_csv(text=f"{HASH_A},100,partner-1,explode\n")
    assert not BankEntry.objects.exists()


def test_a_csv_with_a_bad_line_imports_nothing_and_names_the_line(db, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(f"{HASH_A},100\nnot-a-hash,50\n{HASH_B},101\n")

    with pytest.raises(CommandError) as error:
        call_command("staydown_import", str(path), stdout=io.StringIO())

    assert "line 2: A PDQ hash is 64 hexadecimal digits" in str(error.value)
    assert "line 3: quality must be a whole number 0-100" in str(error.value)
    assert BankEntry.objects.count() == 0


def _export(*options) -> str:
    out = io.StringIO()
    call_command("staydown_export", *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_python_threatexchange_signal_lines_are_imported_and_other_signal_types_skipped(db):
    text = f"pdq {HASH_A}\nPDQ  {HASH_B}\nmd5 d41d8cd98f00b204e9800998ecf8427e\n"

    result = bank_import_csv(text=text)

    assert _counts(result) == (2, 0)
    assert result["other_signals"] == {"md5": 1}
    assert set(BankEntry.objects.values_list("pdq", flat=True)) == {HASH_A, HASH_B}


def test_a_line_that_is_neither_a_hash_nor_a_signal_still_refuses_the_file(db):
    with pytest.raises(BankImportError, match="line 2: A PDQ hash is 64 hexadecimal digits"):
        bank_import_csv(text=f"pdq {HASH_A}\npdq-but-not-a-hash\n")
    assert not BankEntry.objects.exists()


def test_the_hashes_only_export_is_one_active_hash_per_line(db):
    bank_import_csv(text=f"{HASH_A},100,TD-2026-000001,delete\n{HASH_B},,partner,,,,a note\n")
    BankEntry.objects.filter(pdq=HASH_B).update(removed_at="2026-04-01T00:00:00Z")

    assert _export("--hashes-only") == f"{HASH_A}\n"
    with pytest.raises(CommandError, match="cannot say it was removed"):
        _export("--hashes-only", "--include-removed")


def test_text_cells_are_exported_safe_for_spreadsheets_and_read_back_as_they_were(db):
    bank_import_csv(text=f'{HASH_A},,"=HYPERLINK(""http://x.example"")",,,,+86 10 5555\n')
    entry = BankEntry.objects.get()
    assert entry.reference == '=HYPERLINK("http://x.example")' and entry.note == "+86 10 5555"

    exported = _export()
    line = exported.splitlines()[1]
    assert line.startswith(f'{HASH_A},,"\'=HYPERLINK(""http://x.example"")",,')
    assert ",'+86 10 5555," in line

    BankEntry.objects.all().delete()
    bank_import_csv(text=exported)
    entry = BankEntry.objects.get()
    assert (entry.reference, entry.note) == ('=HYPERLINK("http://x.example")', "+86 10 5555")
    assert _export() == exported


def test_a_removed_line_imported_twice_is_banked_once(db):
    text = f"{HASH_A},100,TD-2026-000001,delete,,,,2026-04-01T00:00:00+00:00\n"

    assert _counts(bank_import_csv(text=text)) == (1, 0)
    assert _counts(bank_import_csv(text=text)) == (0, 1)
    assert _counts(bank_import_csv(text=text + text)) == (0, 2)
    assert BankEntry.objects.count() == 1


def test_a_large_import_is_written_in_short_transactions_with_bounded_lookups(db, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staydown import services

    monkeypatch.setattr(services, "IMPORT_CHUNK", 4)
    monkeypatch.setattr(services, "LOOKUP_BATCH", 3)
    hashes = _hashes(10)
    bank_import_csv(text="\n".join(hashes[:5]))

    with CaptureQueriesContext(connection) as queries:
        result = bank_import_csv(text="\n".join(hashes + hashes[:2]))

    assert _counts(result) == (5, 7)  # the first five and the repeats were banked already
    assert sorted(BankEntry.objects.values_list("pdq", flat=True)) == sorted(hashes)
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum(sql.startswith("SAVEPOINT") for sql in statements) == 3  # 12 rows, 4 a time
    lookups = [sql for sql in statements if '"pdq" IN' in sql]
    assert lookups and all(sql.count("'") <= 2 * 3 for sql in lookups)


def test_the_index_catches_up_with_entries_added_and_removed_elsewhere(db):
    bank_import_csv(text=f"{HASH_A}\n")
    assert len(bank.search([bytes.fromhex(HASH_A)], 0)) == 1  # built from the database

    bank_import_csv(text=f"{HASH_B}\n")  # as another process would
    BankEntry.objects.filter(pdq=HASH_A).update(removed_at="2026-01-01T00:00:00Z")

    assert len(bank.search([bytes.fromhex(HASH_A)], 0)) == 0
    assert len(bank.search([bytes.fromhex(HASH_B)], 0)) == 1
    assert bank.size() == 1


def _hashes(count: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    return [bytes(row).hex() for row in rng.integers(0, 256, size=(count, 32), dtype=np.uint8)]


def test_the_index_is_read_in_chunks_and_holds_exactly_the_active_entries(db, monkeypatch):
    monkeypatch.setattr(bank, "LOAD_CHUNK", 2)
    hashes = _hashes(7)
    bank_import_csv(text="\n".join(hashes))
    BankEntry.objects.filter(pdq__in=hashes[2:4]).update(removed_at="2026-01-01T00:00:00Z")

    found = [bool(bank.search([bytes.fromhex(h)], 0)) for h in hashes]

    assert found == [True, True, False, False, True, True, True]
    assert bank.size() == 5


def test_a_web_process_builds_the_index_as_it_starts(db, settings):
    import importlib
    import sys

    bank_import_csv(text="\n".join(_hashes(3)))
    settings.TAKEDOWN_STAYDOWN_WARM_START = False
    sys.modules.pop("takedown.wsgi", None)
    importlib.import_module("takedown.wsgi")
    assert bank.size() is None  # switched off: built by the first screening

    settings.TAKEDOWN_STAYDOWN_WARM_START = True
    sys.modules.pop("takedown.wsgi", None)
    importlib.import_module("takedown.wsgi")

    assert bank.size() == 3  # before any screening request


def test_a_second_catch_up_within_the_overlap_changes_nothing(db, monkeypatch):
    monkeypatch.setattr(bank, "LOOKBACK_SECONDS", 0)  # every catch-up looks back the overlap
    bank_import_csv(text=HASH_A)
    bank.search([bytes.fromhex(HASH_A)], 0)
    bank_import_csv(text="\n".join(_hashes(1500)))  # a bulk import, as another process would

    bank.search([bytes.fromhex(HASH_A)], 0)
    after_first = bank.stats()
    bank.search([bytes.fromhex(HASH_A)], 0)
    bank.search([bytes.fromhex(HASH_A)], 0)

    assert after_first == {"entries": 1501, "pending": 0, "rebuilds": 1}
    assert bank.stats() == after_first  # the same rows seen again: no re-add, no rebuild


def test_a_catch_up_reads_the_index_of_changes_not_the_whole_bank(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bank_import_csv(text="\n".join(_hashes(50)))
    bank.search([bytes.fromhex(HASH_A)], 0)  # built

    with CaptureQueriesContext(connection) as queries:
        bank.search([bytes.fromhex(HASH_A)], 0)

    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans += [row[-1] for row in cursor.fetchall()]
    assert plans and all("USING INDEX staydown_bankentry_changed_at" in plan for plan in plans)


def test_a_catch_up_applies_a_removal_seen_again_only_once(db, monkeypatch):
    monkeypatch.setattr(bank, "LOOKBACK_SECONDS", 0)
    bank_import_csv(text=f"{HASH_A}\n{HASH_B}")
    bank.search([bytes.fromhex(HASH_A)], 0)
    BankEntry.objects.filter(pdq=HASH_A).update(removed_at="2026-01-01T00:00:00Z")

    assert bank.search([bytes.fromhex(HASH_A)], 0) == {}
    assert bank.search([bytes.fromhex(HASH_A)], 0) == {}
    assert bank.stats() == {"entries": 1, "pending": 0, "rebuilds": 0}


# --- the index on its own -------------------------------------------------------------------


def _random_codes(rng, count):
    return rng.integers(0, 2**64 - 1, size=(count, 4), dtype=np.uint64, endpoint=True)


def _near(rng, code, bits):
    flipped = code.copy().view(np.uint8)
    for bit in rng.choice(256, size=bits, replace=False):
        flipped[bit // 8] ^= 1 << (bit % 8)
    return flipped.view(np.uint64)


def test_the_index_returns_exactly_what_a_full_scan_returns():
    rng = np.random.default_rng(7)
    codes = _random_codes(rng, 5000)
    codes[100:400] = np.array([_near(rng, codes[99], int(b)) for b in rng.integers(0, 40, 300)])
    ids = np.arange(10, 5010)
    index = HammingIndex(ids, codes)

    for radius in (0, 5, 15, 16, 31, 40):
        for q in range(60):
            query = _near(rng, codes[rng.integers(0, 5000)], int(rng.integers(0, 45)))
            found, distances = index.search(query, radius)
            rows, expected = scan(codes, query, radius)
            assert sorted(found.tolist()) == sorted(ids[rows].tolist()), (radius, q)
            assert list(distances) == sorted(distances)


def test_the_index_applies_additions_replacements_and_removals():
    rng = np.random.default_rng(8)
    codes = _random_codes(rng, 3000)
    index = HammingIndex(np.arange(3000), codes, rebuild_fraction=0.01)
    extra = _random_codes(rng, 2000)  # enough to force rebuilds on the way

    index.add(np.arange(3000, 5000), extra)
    index.remove([5, 3005, 999_999])
    index.add([7], extra[:1])  # id 7 now carries another hash

    assert len(index) == 4998
    assert index.search(codes[5], 0)[0].tolist() == []
    assert index.search(extra[5], 0)[0].tolist() == []
    assert index.search(codes[7], 0)[0].tolist() == []
    assert sorted(index.search(extra[0], 0)[0].tolist()) == [7, 3000]
    assert index.search(codes[2999], 0)[0].tolist() == [2999]


def test_the_index_tells_which_ids_it_holds_with_which_hash():
    rng = np.random.default_rng(9)
    codes = _random_codes(rng, 100)
    index = HammingIndex(np.arange(100), codes)
    extra = _random_codes(rng, 2)
    index.add([200, 201], extra)
    index.remove([3, 201])

    assert index.contains([0, 3, 99, 200, 201, 500]).tolist() == [
        True, False, True, True, False, False
    ]  # fmt: skip
    held = index.holds([0, 1, 200], np.stack([codes[0], codes[2], extra[0]]))
    assert held.tolist() == [True, False, True]
    assert index.pending == 1


def test_importing_a_file_that_is_not_text_is_refused_with_the_reason(db, tmp_path):
    from django.core.management import CommandError, call_command

    image = tmp_path / "photo.csv"
    image.write_bytes(_jpeg(_story_image("clinic"), 80))
    with pytest.raises(CommandError, match="not a text file"):
        call_command("staydown_import", str(image))
    assert not BankEntry.objects.exists()


def test_an_imported_removed_line_is_never_removed_before_it_was_added(db):
    from staydown import services as bank_services

    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    bank_services.bank_import_csv(text=f"{pdq},100,list-1,,,,,2026-02-01T00:00:00+00:00\n")
    entry = BankEntry.objects.get()
    assert entry.added_at <= entry.removed_at

    bank_services.bank_import_csv(
        text=f"{pdq},100,list-2,,2026-03-01T00:00:00+00:00,,,2026-02-01T00:00:00+00:00\n"
    )
    assert all(e.added_at <= e.removed_at for e in BankEntry.objects.all())


def test_the_demo_prints_a_screening_token_that_screens_and_is_not_staff(db):
    import io as stdio

    from django.core.management import call_command

    out = stdio.StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    token = lines[
        lines.index("  The platform's screening account (POST /api/v1/screen/), API token:") + 1
    ]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.strip()}")

    screened = client.post("/api/v1/screen/", {"pdq": HASH_A}, format="json")
    assert screened.status_code == 200, screened.json()
    assert client.get("/api/v1/cases/").status_code == 403
