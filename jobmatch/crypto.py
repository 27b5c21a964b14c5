"""Personal data at rest: AES-GCM encryption and a keyed blind index. No Flask.

ID numbers, phones and health notes are stored encrypted; the key comes from
the environment (JOBMATCH_DATA_KEY) and never from the database. Uniqueness and
exact lookup of ID numbers use an HMAC of the normalised number (the "blind
index"), so the database can enforce "one laborer per ID number" without ever
holding the number itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
CIPHERTEXT_PREFIX = "v1:"


class DataKeyError(RuntimeError):
    """The data key is missing or malformed."""


# What the check value is computed over; changing it would make every stored check value wrong.
KEY_CHECK_MESSAGE = b"jobmatch data key check v1"


@dataclass(frozen=True)
class Keyring:
    encryption: bytes
    index: bytes
    check: bytes


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(master)


def decode_key(encoded: str) -> bytes:
    """The master key's bytes; DataKeyError unless it is base64 of exactly KEY_BYTES bytes."""
    try:
        master = base64.urlsafe_b64decode(encoded.encode() + b"=" * (-len(encoded) % 4))
    except (ValueError, TypeError) as exc:
        raise DataKeyError("JOBMATCH_DATA_KEY is not valid base64") from exc
    if len(master) != KEY_BYTES:
        raise DataKeyError(f"JOBMATCH_DATA_KEY must encode {KEY_BYTES} bytes, not {len(master)}")
    return master


def keyring_from(encoded: str) -> Keyring:
    """Separate subkeys for encryption, the blind index and the key check, derived from one master key."""
    master = decode_key(encoded)
    return Keyring(
        encryption=_derive(master, b"jobmatch/encrypt"),
        index=_derive(master, b"jobmatch/blind-index"),
        check=_derive(master, b"jobmatch/check"),
    )


def new_key() -> str:
    """A fresh master key, base64url-encoded."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


_keyring: Keyring | None = None


def configure(encoded_key: str) -> None:
    """Install the process's data key (create_app calls this once)."""
    global _keyring
    _keyring = keyring_from(encoded_key)


def _ring() -> Keyring:
    if _keyring is None:
        raise DataKeyError("no data key configured; create the app first")
    return _keyring


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_ring().encryption).encrypt(nonce, plaintext.encode(), None)
    return CIPHERTEXT_PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str, ring: Keyring | None = None) -> str:
    if not token.startswith(CIPHERTEXT_PREFIX):
        raise DataKeyError("value is not jobmatch ciphertext")
    raw = base64.b64decode(token[len(CIPHERTEXT_PREFIX) :])
    return AESGCM((ring or _ring()).encryption).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()


def seal(data: bytes) -> bytes:
    """Bytes (an uploaded roster, an export) encrypted as encrypt() does text: nonce + ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_ring().encryption).encrypt(nonce, data, None)


def unseal(sealed: bytes) -> bytes:
    return AESGCM(_ring().encryption).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None)


def key_check_value(ring: Keyring | None = None) -> str:
    """A value that only this key gives, and that reveals nothing of it (stored in the database)."""
    return hmac.new((ring or _ring()).check, KEY_CHECK_MESSAGE, hashlib.sha256).hexdigest()


def reads(token: str, ring: Keyring | None = None) -> bool:
    """True if the key (the configured one unless given) decrypts the ciphertext; another key's does not."""
    try:
        decrypt(token, ring)
    except (InvalidTag, ValueError):
        return False
    return True


def blind_index(value: str) -> str:
    """Keyed hash for equality lookups; the same input always gives the same index."""
    return hmac.new(_ring().index, value.encode(), hashlib.sha256).hexdigest()


class EncryptedText(sa.TypeDecorator):
    """A text column that holds ciphertext in the database and plaintext in Python."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else decrypt(value)
