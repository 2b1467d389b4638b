"""Encrypting the accounts' tokens at rest with Fernet (cryptography), keys from SEVA_TOKEN_KEYS.

Fernet is AES-128-CBC with an HMAC-SHA256 over the whole token, so a ciphertext that was altered, or
read with another key, is refused rather than decrypted into garbage. MultiFernet takes several
keys: the first encrypts, any decrypts, which is how keys are rotated without a flag day.
"""

from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenKeyError(Exception):
    """A stored token that none of SEVA_TOKEN_KEYS decrypts: a wrong or dropped key, or tampering."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("SEVA_TOKEN_KEYS is empty: the accounts' tokens cannot be encrypted or read.")
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"SEVA_TOKEN_KEYS holds a key that is not a Fernet key: {error}") from error


def token_cipher(keys: Sequence[str] | None = None) -> MultiFernet:
    return _cipher(tuple(settings.SEVA_TOKEN_KEYS if keys is None else keys))


def token_encrypt(plaintext: str, *, keys: Sequence[str] | None = None) -> str:
    """The Fernet token (URL-safe base64 text) of `plaintext`; empty stays empty."""
    if not plaintext:
        return ""
    return token_cipher(keys).encrypt(plaintext.encode()).decode("ascii")


def token_decrypt(ciphertext: str, *, keys: Sequence[str] | None = None) -> str:
    if not ciphertext:
        return ""
    try:
        return token_cipher(keys).decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken as error:
        raise TokenKeyError("no key in SEVA_TOKEN_KEYS decrypts this account's stored token") from error


def token_reencrypt(ciphertext: str) -> str:
    """`ciphertext` encrypted again with the first key (MultiFernet.rotate)."""
    if not ciphertext:
        return ""
    try:
        return token_cipher().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise TokenKeyError("no key in SEVA_TOKEN_KEYS decrypts this account's stored token") from error
