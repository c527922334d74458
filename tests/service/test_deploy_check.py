"""Django's deployment checklist passes, with no warning, under the documented production
environment (and fails under the embedded default, which is for a laptop).

`manage.py check --deploy` does not connect to the database, the broker or the object store
(database checks run only with --database), so DATABASE_URL and the other addresses below need
only be well-formed: this test needs no server, and the values are the ones to document.
"""

import os
import secrets
import subprocess

from cryptography.fernet import Fernet

from tests.servers import PYTHON, ROOT

# Every variable a production deployment sets (README, "Settings"). The secret values shown
# are placeholders; DJANGO_SECRET_KEY must be a long random value, for example from
#   python -c "import secrets; print(secrets.token_urlsafe(50))"
PRODUCTION_ENVIRONMENT = {
    "DJANGO_SECRET_KEY": "<50+ random characters>",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "takedown.platform.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://takedown.platform.example",
    # Behind an HTTPS-terminating proxy that sets X-Forwarded-Proto and X-Forwarded-For.
    "TAKEDOWN_HTTPS": "true",
    "TAKEDOWN_NUM_PROXIES": "1",
    "TAKEDOWN_SITE_URL": "https://takedown.platform.example",
    "DATABASE_URL": "postgres://takedown:<password>@db.internal:5432/takedown",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "TAKEDOWN_CACHE_URL": "redis://redis.internal:6379/1",
    "TAKEDOWN_S3_BUCKET": "takedown-evidence",
    "TAKEDOWN_S3_REGION": "eu-central-1",
    "TAKEDOWN_S3_ACCESS_KEY_ID": "<access key id>",
    "TAKEDOWN_S3_SECRET_ACCESS_KEY": "<secret access key>",
    # Fernet keys, newest first, for identity documents at rest (see README, "Evidence").
    "TAKEDOWN_EVIDENCE_KEYS": "<Fernet key>",
    "EMAIL_HOST": "smtp.platform.example",
    "EMAIL_PORT": "587",
    "EMAIL_HOST_USER": "takedown",
    "EMAIL_HOST_PASSWORD": "<smtp password>",
    "DEFAULT_FROM_EMAIL": "takedown@platform.example",
    "TAKEDOWN_PLATFORM_ADAPTER": "cases.platforms.http.HttpPlatformAdapter",
    "TAKEDOWN_PLATFORM_API_URL": "https://moderation.platform.example/v1",
    "TAKEDOWN_PLATFORM_API_SECRET": "<shared secret, as long and random as the secret key>",
    "TAKEDOWN_PLATFORM_HOSTS": "www.platform.example,platform.example",
    "TAKEDOWN_DEMO_PLATFORM": "false",
}


def check_deploy(environment: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TAKEDOWN_", "CELERY_", "DATABASE_", "EMAIL_"))
    }
    env.update(environment, TAKEDOWN_VAR_DIR=str(tmp_path / "var"))
    return subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_finds_no_issue_with_the_documented_production_environment(tmp_path):
    environment = {
        **PRODUCTION_ENVIRONMENT,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "TAKEDOWN_EVIDENCE_KEYS": Fernet.generate_key().decode(),
    }

    result = check_deploy(environment, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_on_the_embedded_default(tmp_path):
    result = check_deploy({}, tmp_path)

    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
    # No encryption key for identity documents: the development key under var/ is refused.
    assert "takedown.E002" in result.stderr


def test_production_does_not_serve_the_demo_platform(tmp_path):
    script = (
        "from django.test import Client\n"
        "c = Client()\n"
        "print('platform', c.get('/platform/').status_code)\n"
        "print('api', c.post('/platform/api/v1/resolve', {}).status_code)\n"
        "print('home', c.get('/').status_code)\n"
    )
    environment = {
        **PRODUCTION_ENVIRONMENT,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "TAKEDOWN_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "",
        "TAKEDOWN_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "platform 404" in result.stdout, result.stdout + result.stderr
    assert "api 404" in result.stdout
