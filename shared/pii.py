"""Personal information (个人信息保护法 art. 28; DOMAIN.md "Personal information"): sealing, keyed hashes, masks.

- Sealing: AES-256-GCM (authenticated encryption) under a key ring. A ring is configured as
  comma-separated `kid:base64key` entries; the first entry seals, every entry opens, so a key is
  rotated by putting a new one first and re-sealing the old rows (each ciphertext is stored with
  the id of its key beside it). The associated data binds a ciphertext to its field (`phone`,
  `id_number`): a phone copied into the ID column does not open.
- Keyed hashes: HMAC-SHA256 under a separate key, so equal values can be matched (the same person
  across cases) without decrypting, and without a dictionary attack on an 11-digit phone space.
- Masks: phone `138****1234` (first 3, last 4); ID number `440***********1234` (first 3, last 4).
- The 18-character resident ID number (GB 11643-1999) with its ISO 7064 MOD 11-2 check digit.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.timeutil import SHANGHAI

NONCE_BYTES = 12
KID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class PiiKeyError(RuntimeError):
    """A ciphertext whose key is not configured, or that fails authentication."""


@dataclass(frozen=True)
class Sealed:
    kid: str
    token: str  # base64(nonce || ciphertext || tag)


class KeyRing:
    """AES-GCM keys by id; the first seals."""

    def __init__(self, spec: str) -> None:
        self.keys: dict[str, AESGCM] = {}
        self.order: list[str] = []
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            kid, sep, b64 = part.partition(":")
            kid = kid.strip()
            if not sep or not KID_PATTERN.match(kid):
                raise ValueError("a PII key is `kid:base64key` (kid: 1-32 of A-Z a-z 0-9 _ . -)")
            try:
                raw = base64.b64decode(b64.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"PII key {kid!r} is not valid base64") from None
            if len(raw) not in (16, 24, 32):
                raise ValueError(f"PII key {kid!r} must be 16, 24 or 32 bytes (AES), not {len(raw)}")
            if kid in self.keys:
                raise ValueError(f"PII key id {kid!r} is listed twice")
            self.keys[kid] = AESGCM(raw)
            self.order.append(kid)
        if not self.order:
            raise ValueError("at least one PII key is needed")

    @property
    def current(self) -> str:
        return self.order[0]

    def seal(self, value: str, field: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ct = self.keys[self.current].encrypt(nonce, value.encode("utf-8"), field.encode())
        return Sealed(self.current, base64.b64encode(nonce + ct).decode("ascii"))

    def open(self, kid: str | None, token: str, field: str) -> str:
        key = self.keys.get(kid or "")
        if key is None:
            raise PiiKeyError(f"personal data sealed with key {kid!r}, which is not configured")
        try:
            raw = base64.b64decode(token)
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error):
            raise PiiKeyError(f"personal data under key {kid!r} failed authentication") from None


@lru_cache(maxsize=16)
def key_ring(spec: str) -> KeyRing:
    return KeyRing(spec)


def keyed_hash(key: str, domain: str, value: str) -> str:
    """HMAC-SHA256 of `domain|value` under `key`, hex (64 characters)."""
    return hmac.new(key.encode("utf-8"), f"{domain}|{value}".encode(), hashlib.sha256).hexdigest()


# -- normal forms -----------------------------------------------------------------------------
def phone_digits(phone: str | None) -> str:
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def name_key(name: str) -> str:
    """A name as compared: whitespace normalised, case folded."""
    return " ".join(name.split()).casefold()


# -- masks ------------------------------------------------------------------------------------
def mask_phone(phone: str | None) -> str:
    """`13812341234` -> `138****1234` (first 3, last 4); short numbers keep only their last 2."""
    if not phone:
        return ""
    digits = phone_digits(phone)
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_id_number(value: str | None) -> str:
    """`440106199001011234` -> `440***********1234` (first 3, last 4)."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def is_masked(value: str | None) -> bool:
    return value is not None and "*" in value


# -- the resident ID number (居民身份证号码, GB 11643-1999) ---------------------------------------
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    """The ID number in canonical form (upper-case X), or ValueError saying what is wrong."""
    v = "".join(value.split()).upper()
    if not ID_PATTERN.match(v):
        raise ValueError("an ID number has 18 characters: 17 digits and a check digit, 0-9 or X "
                         "(身份证号码应为18位：17位数字加1位校验码)")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValueError("the ID number's date of birth (characters 7-14) is not a date "
                         "(身份证号码中的出生日期无效)") from None
    if born.year < 1900 or born > datetime.now(SHANGHAI).date():  # today in China
        raise ValueError("the ID number's date of birth is out of range (身份证号码中的出生日期超出范围)")
    if id_check_digit(v[:17]) != v[17]:
        raise ValueError("the ID number's check digit does not match (身份证号码校验码不正确)")
    return v
