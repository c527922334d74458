"""Evidence in S3-compatible object storage (a real HTTP endpoint: moto's server): private
objects under evidence/, encrypted at rest, without EXIF, reachable only through the staff view."""

import io
import urllib.error
import urllib.request

import pytest
from cryptography.fernet import Fernet
from PIL import Image

from tests.servers import S3Server, manage
from tests.service.support import (
    BrowserSession,
    api,
    case_id_of,
    demo_post_ids,
    file_notice,
    gps_exif,
    log_actions,
    reference_photo,
    verdict_of,
    wait_until,
)

BUCKET = "takedown-evidence"
KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


@pytest.fixture
def s3():
    server = S3Server().start()
    server.create_bucket(BUCKET)
    yield server
    server.stop()


def _with_gps(jpeg: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(out, "JPEG", exif=gps_exif())
    return out.getvalue()


def test_evidence_is_stored_privately_in_s3_and_served_only_through_the_staff_view(deployment, s3):
    deployment.extra_env.update(s3.deployment_env(BUCKET), TAKEDOWN_EVIDENCE_KEYS=KEY)
    deployment.start_app()
    deployment.start_worker()
    photo = _with_gps(reference_photo())
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825), "the upload carries GPS"

    reference = file_notice(
        deployment, demo_post_ids(deployment, "glow.clinic"), reference=photo
    ).body["reference"]
    case_id = case_id_of(deployment, reference)
    # The worker stores its snapshot of the reported post in the bucket too.
    wait_until(lambda: verdict_of(deployment, case_id) == "match", timeout=30, what="match")

    rows = deployment.sql(
        "SELECT e.id, e.kind, e.file FROM notices_evidencefile e "
        "JOIN notices_notice n ON n.id = e.notice_id WHERE n.reference = %s ORDER BY e.id",
        (reference,),
    )
    assert sorted(kind for _, kind, _ in rows) == [
        "identity",
        "reference_photo",
        "reported_snapshot",
    ]
    client = s3.client()
    listed = client.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(obj["Key"] for obj in listed) == sorted(f"evidence/{name}" for _, _, name in rows)

    for _, kind, name in rows:
        key = f"evidence/{name}"
        grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS], (kind, grants)
        assert client.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "AES256"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{s3.endpoint_url}/{BUCKET}/{key}", timeout=10)
        assert refused.value.code == 403, f"anonymous GET of {kind} was not refused"
        stored = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if kind == "identity":  # encrypted at rest with the deployment's key
            assert b"JFIF" not in stored and not name.endswith(".jpg")
            stored = Fernet(KEY).decrypt(stored)
        image = Image.open(io.BytesIO(stored))  # re-encoded: EXIF (GPS, camera) is gone
        assert not image.getexif() and "exif" not in image.info, kind

    # Staff see the files through the permission-checked view, which reads them from S3.
    staff = BrowserSession(deployment, "legal", "legal-demo-2026")
    for evidence_id, kind, name in rows:
        served = staff.get(f"/staff/evidence/{evidence_id}/")
        assert served.status == 200, kind
        stored = client.get_object(Bucket=BUCKET, Key=f"evidence/{name}")["Body"].read()
        assert served.data == (Fernet(KEY).decrypt(stored) if kind == "identity" else stored)
        assert served.headers["Cache-Control"] == "private, no-store"
    anonymous = api(deployment, "GET", f"/staff/evidence/{rows[0][0]}/")
    assert anonymous.status in (302, 403, 404), anonymous.status

    # Rotation: a new key first, the old one behind it; the command re-encrypts in the bucket.
    identity_id, _, old_name = next(row for row in rows if row[1] == "identity")
    original = staff.get(f"/staff/evidence/{identity_id}/").data
    rotated_env = {**deployment.env(), "TAKEDOWN_EVIDENCE_KEYS": f"{NEW_KEY},{KEY}"}
    assert "Re-encrypted 1 file(s)" in manage(rotated_env, "rotate_evidence_keys")
    new_name = deployment.sql_value(
        "SELECT file FROM notices_evidencefile WHERE id = %s", (identity_id,)
    )
    keys = {obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"evidence/{old_name}" not in keys and f"evidence/{new_name}" in keys
    stored = client.get_object(Bucket=BUCKET, Key=f"evidence/{new_name}")["Body"].read()
    assert Fernet(NEW_KEY).decrypt(stored) == original


def test_erased_and_purged_evidence_is_gone_from_the_bucket(deployment, s3):
    deployment.extra_env.update(s3.deployment_env(BUCKET), TAKEDOWN_EVIDENCE_KEYS=KEY)
    deployment.start_app()
    deployment.start_worker()
    filed = file_notice(deployment, demo_post_ids(deployment, "glow.clinic")).body
    case_id = case_id_of(deployment, filed["reference"])
    wait_until(lambda: verdict_of(deployment, case_id) == "match", timeout=30, what="match")
    rows = deployment.sql(
        "SELECT e.kind, e.file FROM notices_evidencefile e "
        "JOIN notices_notice n ON n.id = e.notice_id WHERE n.reference = %s ORDER BY e.id",
        (filed["reference"],),
    )
    client = s3.client()

    erased = api(
        deployment,
        "POST",
        f"/api/v1/notices/{filed['reference']}/erase/",
        headers={"X-Tracking-Token": filed["tracking_token"]},
    )

    assert erased.status == 200, erased
    keys = {obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    for kind, name in rows:
        gone = kind in ("identity", "reference_photo")
        assert (f"evidence/{name}" not in keys) is gone, kind
    after = deployment.sql(
        "SELECT e.kind, e.file, e.purge_reason FROM notices_evidencefile e "
        "JOIN notices_notice n ON n.id = e.notice_id WHERE n.reference = %s ORDER BY e.id",
        (filed["reference"],),
    )
    assert [(k, f, r) for k, f, r in after if k != "reported_snapshot"] == [
        ("identity", "", "erasure"),
        ("reference_photo", "", "erasure"),
    ]

    # The retention job deletes the rest once its time is up (run a year and a day later).
    purge = manage(
        deployment.env(),
        "shell",
        "-c",
        "import time_machine, datetime\n"
        "from django.utils import timezone\n"
        "from notices.retention import purge_expired_evidence\n"
        "with time_machine.travel(timezone.now() + datetime.timedelta(days=366)):\n"
        "    print(purge_expired_evidence())",
    )
    assert "'files': 1" in purge, purge
    keys = {obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert not keys & {f"evidence/{name}" for _, name in rows}
    assert "evidence_purged" in log_actions(deployment, case_id)
