"""The same code on the parts a platform deploys: PostgreSQL, Redis, gunicorn, a worker."""

import urllib.request


def test_a_notice_filed_over_http_is_verified_by_the_worker(deployment):
    deployment.start_app()
    deployment.start_worker()
    status = urllib.request.urlopen(deployment.base_url + "/").status  # noqa: S310
    assert status == 200
