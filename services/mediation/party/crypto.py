"""Parties' phone and ID number at rest and in answers (DOMAIN.md "Personal information").

At rest (`session_party`, and the parties of `case_intake` as JSON): sealed with AES-GCM under
MEDIATION_PII_KEYS, the key id beside each ciphertext (`pii_kid`); matched by keyed hashes
(HMAC-SHA256 under MEDIATION_PII_HASH_KEY): `phone_hash`, `id_hash` and `party_key`, the party's
identity for double booking:

- `id:<hash>` of the ID number when given (the same ID is the same person, whatever the name);
- else `np:<hash>` of name + phone digits;
- else `n:<hash>` of the name alone.

In answers: in full only for coordinators and the mediators of that session; masked
(`138****1234`, `440***********1234`) for everyone else. Events never carry them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.pii import KeyRing, key_ring, keyed_hash, mask_id_number, mask_phone, name_key, phone_digits

PHONE, ID_NUMBER = "phone", "id_number"

_settings = None


def configure(settings) -> None:
    """Use this service's settings (called when the app is created; the CLI and migrations call it too)."""
    global _settings
    _settings = settings


def current() -> PartyCrypto:
    global _settings
    if _settings is None:
        from services.mediation.settings import MediationSettings
        _settings = MediationSettings()
    return PartyCrypto.of(_settings.pii_keys, _settings.pii_hash_key)


def handoff_ring() -> KeyRing:
    """The keys the gateway sealed a handoff's phones and ID numbers with (HANDOFF_PII_KEYS,
    shared/handoff_pii.py): opened on intake, then sealed again under this service's own keys."""
    global _settings
    if _settings is None:
        from services.mediation.settings import MediationSettings
        _settings = MediationSettings()
    return key_ring(_settings.handoff_pii_keys)


@dataclass(frozen=True)
class PartyCrypto:
    ring: KeyRing
    hash_key: str

    @classmethod
    def of(cls, keys: str, hash_key: str) -> PartyCrypto:
        return cls(key_ring(keys), hash_key)

    # -- hashes --------------------------------------------------------------------------------
    def phone_hash(self, phone: str | None) -> str | None:
        digits = phone_digits(phone)
        return keyed_hash(self.hash_key, "phone", digits) if digits else None

    def id_hash(self, id_number: str | None) -> str | None:
        return self._id_digest(id_number) if id_number else None

    def _id_digest(self, id_number: str) -> str:
        return keyed_hash(self.hash_key, "id", id_number.upper())

    def party_key(self, name: str, phone: str | None, id_number: str | None) -> str:
        if id_number:
            return "id:" + self._id_digest(id_number)
        digits = phone_digits(phone)
        if digits:
            return "np:" + keyed_hash(self.hash_key, "name_phone", f"{name_key(name)}|{digits}")
        return "n:" + keyed_hash(self.hash_key, "name", name_key(name))

    # -- sealing -------------------------------------------------------------------------------
    def columns(self, name: str, phone: str | None, id_number: str | None) -> dict[str, Any]:
        """The stored form of a party's personal data (the SessionParty columns)."""
        out: dict[str, Any] = {"name_key": name_key(name), "phone_cipher": None, "id_number_cipher": None,
                               "pii_kid": None, "phone_hash": self.phone_hash(phone),
                               "id_hash": self.id_hash(id_number),
                               "party_key": self.party_key(name, phone, id_number)}
        if phone:
            sealed = self.ring.seal(phone, PHONE)
            out["phone_cipher"], out["pii_kid"] = sealed.token, sealed.kid
        if id_number:
            sealed = self.ring.seal(id_number, ID_NUMBER)
            out["id_number_cipher"], out["pii_kid"] = sealed.token, sealed.kid
        return out

    def reveal(self, p) -> tuple[str | None, str | None]:
        """(phone, id_number) of a stored party (a SessionParty, or a dict with the same keys)."""
        get = p.get if isinstance(p, dict) else (lambda k: getattr(p, k, None))
        kid, phone_cipher, id_cipher = get("pii_kid"), get("phone_cipher"), get("id_number_cipher")
        phone = self.ring.open(kid, phone_cipher, PHONE) if phone_cipher else None
        idn = self.ring.open(kid, id_cipher, ID_NUMBER) if id_cipher else None
        return phone, idn

    def shown(self, p, unmasked: bool) -> tuple[str | None, str | None]:
        """(phone, id_number) as the caller may see them: in full, or masked."""
        phone, idn = self.reveal(p)
        if unmasked:
            return phone, idn
        return (mask_phone(phone) if phone else None), (mask_id_number(idn) if idn else None)

    # -- the parties of a case intake (JSON from the petition system) ----------------------------
    def seal_intake_party(self, party: dict[str, Any]) -> dict[str, Any]:
        """A handoff's party as stored: phone and ID number sealed and hashed, the rest as sent."""
        out = {k: v for k, v in party.items() if k not in (PHONE, ID_NUMBER)}
        phone = str(party.get(PHONE) or "").strip() or None
        idn = str(party.get(ID_NUMBER) or "").strip().upper() or None
        if phone or idn:
            cols = self.columns(str(party.get("name") or ""), phone, idn)
            out.update({k: cols[k] for k in ("phone_cipher", "id_number_cipher", "pii_kid", "phone_hash",
                                             "id_hash") if cols[k]})
        return out

    def show_intake_party(self, party: dict[str, Any], unmasked: bool) -> dict[str, Any]:
        out = {k: v for k, v in party.items() if k not in STORED_KEYS}
        if any(k in party for k in ("phone_cipher", "id_number_cipher")):
            phone, idn = self.shown(party, unmasked)
            if phone:
                out[PHONE] = phone
            if idn:
                out[ID_NUMBER] = idn
        else:  # stored before sealing existed (the migration seals them): never answered in clear
            if party.get(PHONE):
                out[PHONE] = party[PHONE] if unmasked else mask_phone(str(party[PHONE]))
            if party.get(ID_NUMBER):
                out[ID_NUMBER] = party[ID_NUMBER] if unmasked else mask_id_number(str(party[ID_NUMBER]))
        return out


STORED_KEYS = frozenset({"phone_cipher", "id_number_cipher", "pii_kid", "phone_hash", "id_hash"})


def party_id(session_id: str, position: int) -> str:
    """A party as booked in one session: `<session id>-<position>`."""
    return f"{session_id}-{position}"


def parse_party_id(value: str) -> tuple[str, int] | None:
    sid, sep, pos = value.rpartition("-")
    if not sep or not sid or not pos.isdigit() or len(pos) > 3:
        return None
    return sid, int(pos)
