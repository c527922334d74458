"""Sign-in lockout on the deployed parts: gunicorn with several workers counting failures in
Redis, so a failure seen by one worker counts in every other."""

import re

import redis
import urllib3

from tests.service.support import create_staff

PASSWORD_OF = "pw-{}"


def _sign_in(deployment, username: str, password: str) -> urllib3.BaseHTTPResponse:
    """One sign-in on a fresh connection (the workers take turns), with its own CSRF cookie."""
    http = urllib3.PoolManager(retries=False, timeout=10)
    page = http.request("GET", deployment.base_url + "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.data).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
    answer = http.request_encode_body(
        "POST",
        deployment.base_url + "/accounts/login/",
        fields={"username": username, "password": password, "csrfmiddlewaretoken": token},
        encode_multipart=False,
        headers={"Cookie": f"csrftoken={cookie}"},
        redirect=False,
    )
    http.clear()
    return answer


def test_failed_sign_ins_are_counted_across_workers_in_redis(deployment, redis_server):
    deployment.start_app(workers=3, threads=1)
    create_staff(deployment, ["mod_lock"])

    for _ in range(4):
        assert _sign_in(deployment, "mod_lock", "wrong").status == 200  # the form again
    locked = _sign_in(deployment, "mod_lock", "wrong")
    assert locked.status == 429
    assert b"Too many failed sign-ins" in locked.data
    # Locked for every worker, even with the right password.
    for _ in range(3):
        assert _sign_in(deployment, "mod_lock", PASSWORD_OF.format("mod_lock")).status == 429
    keys = redis.Redis.from_url(redis_server.url(1)).keys("*axes*")
    assert keys, "the failures are counted in the shared Redis cache"
