"""Webhook signing secrets at rest (密钥加密存储): sealed with Fernet (AES-128-CBC + HMAC-SHA256).

`GATEWAY_WEBHOOK_SEALING_KEYS` holds comma-separated Fernet keys: the first seals, every
one opens, so a key is rotated by putting the new one first. The default is a documented
development key, which `SUITE_ENV=prod` refuses. A value without the `sealed:v1:` prefix
is a secret stored before sealing existed and is read as it is.
"""
from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "sealed:v1:"
DEV_SEALING_KEY = "nffwcaqHlu-SXXtJXuao6YXWSpVnR9Yze_EbuGOXIag="


class SecretBox:
    def __init__(self, keys: str) -> None:
        parsed = [k.strip() for k in keys.split(",") if k.strip()]
        if not parsed:
            raise ValueError("webhook_sealing_keys needs at least one Fernet key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in parsed])
        except ValueError as e:
            raise ValueError(f"webhook_sealing_keys holds a malformed Fernet key: {e}") from None

    def seal(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise RuntimeError("a webhook secret was sealed with a key that is no longer configured") from None


@lru_cache(maxsize=8)
def box(keys: str) -> SecretBox:
    return SecretBox(keys)
