"""Encryption at rest of identity and authorisation documents (Fernet: AES-128-CBC + HMAC).

The keys come from ``TAKEDOWN_EVIDENCE_KEYS``, newest first: new files are encrypted with the
first key, and a file is read with whichever key opens it, so a new key can be put in front
while the old ones stay behind it until ``manage.py rotate_evidence_keys`` has re-encrypted
every file. With no key set (the embedded default) a development key is created once under
``var/`` and a warning is logged; the production deploy check refuses to run without a key.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

logger = logging.getLogger(__name__)

DEV_KEY_FILE = "evidence-dev.key"
_warned: set[Path] = set()


class EvidenceKeyError(Exception):
    """No configured key opens a stored file."""


def _development_key() -> bytes:
    """The embedded default's key, created on first use under var/ (readable only by us)."""
    path = Path(settings.VAR_DIR) / DEV_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
    key = path.read_bytes().strip()
    if path not in _warned:
        _warned.add(path)
        logger.warning(
            "TAKEDOWN_EVIDENCE_KEYS is not set: identity documents are encrypted with the "
            "development key in %s. Set TAKEDOWN_EVIDENCE_KEYS in production.",
            path,
        )
    return key


@lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def configured_keys() -> tuple[str, ...]:
    keys = tuple(settings.TAKEDOWN_EVIDENCE_KEYS)
    return keys or (_development_key().decode(),)


def keyring() -> MultiFernet:
    return _keyring(configured_keys())


def encrypt(data: bytes) -> bytes:
    """Encrypt with the newest key."""
    return keyring().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return keyring().decrypt(token)
    except InvalidToken:
        raise EvidenceKeyError(
            "None of the keys in TAKEDOWN_EVIDENCE_KEYS opens this file: keep every key that "
            "files may still be encrypted with until rotate_evidence_keys has run."
        ) from None


def is_current(token: bytes) -> bool:
    """Whether the token is already encrypted with the newest key."""
    newest = Fernet(configured_keys()[0].encode())
    try:
        newest.decrypt(token)
    except InvalidToken:
        return False
    return True


def reencrypt(token: bytes) -> bytes:
    """The same plaintext, encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return keyring().rotate(token)
    except InvalidToken:
        raise EvidenceKeyError(
            "None of the keys in TAKEDOWN_EVIDENCE_KEYS opens this file; it cannot be rotated."
        ) from None


def key_problems(keys) -> list[str]:
    """What is wrong with a configured key list, for the system check."""
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            problems.append(
                f"key {position} of TAKEDOWN_EVIDENCE_KEYS is not a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            )
    return problems
