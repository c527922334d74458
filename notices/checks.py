"""System checks of the evidence encryption keys."""

from django.conf import settings
from django.core import checks

from .crypto import key_problems


@checks.register(checks.Tags.security)
def evidence_keys_are_valid(app_configs, **kwargs):
    return [
        checks.Error(problem, id="takedown.E001")
        for problem in key_problems(settings.TAKEDOWN_EVIDENCE_KEYS)
    ]


@checks.register(checks.Tags.security, deploy=True)
def evidence_keys_are_set(app_configs, **kwargs):
    if settings.TAKEDOWN_EVIDENCE_KEYS:
        return []
    return [
        checks.Error(
            "TAKEDOWN_EVIDENCE_KEYS is not set: identity documents would be encrypted with the "
            "development key kept under var/.",
            hint='Set it to a key from python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())" and keep that key safe.',
            id="takedown.E002",
        )
    ]
