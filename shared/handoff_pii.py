"""Parties' phone and ID number on a handoff's way from the gateway to mediation (移交中的个人信息).

The petition system sends a handoff's parties with phone and ID number in clear. The gateway seals
them the moment it accepts the request: its `handoff` row and the `handoff.requested` event (and with
it the hub, NATS, the timeline, the feed and webhooks) carry only the masked value (`138****1234`,
`440***********1234`) and beside it the sealed value (`phone_sealed`, `id_number_sealed`). Mediation,
which needs the values for its work, opens them (`open_party`) and seals them again under its own keys
(services/mediation/party/crypto.py). Answers and webhook bodies drop the sealed values
(services/gateway/access/masking.py).

Sealed value: `<kid>:<base64(nonce || ciphertext || tag)>`, AES-GCM (shared/pii.py KeyRing) under
HANDOFF_PII_KEYS, a setting the gateway and mediation share (`GATEWAY_HANDOFF_PII_KEYS` /
`MEDIATION_HANDOFF_PII_KEYS` override it per service). The first key seals, every key opens: to rotate,
put a new key first on both services, keep the old one after it until
`python -m services.gateway.cli rotate-handoff-pii-keys` reports nothing left under it and the events
sealed under it are consumed. The associated data binds a value to its field (`handoff.phone`).
"""
from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from shared.pii import KeyRing, PiiKeyError, is_masked, mask_id_number, mask_phone

# The documented development key (README "Configuration"); SUITE_ENV=prod refuses it.
DEV_HANDOFF_PII_KEY = "cGV0aXRpb24tc3VpdGUtZGV2LWhhbmRvZmYta2V5ISE="
DEV_HANDOFF_PII_KEYS = "handoff-dev-1:" + DEV_HANDOFF_PII_KEY

MASKS = {"phone": mask_phone, "id_number": mask_id_number}
SEALED = {f: f + "_sealed" for f in MASKS}          # phone -> phone_sealed
SEALED_KEYS = frozenset(SEALED.values())


def keys_setting(prefix: str):
    """The `handoff_pii_keys` field of a service's settings: `<PREFIX>HANDOFF_PII_KEYS`, else the suite-wide
    `HANDOFF_PII_KEYS`, else the development key."""
    return Field(DEV_HANDOFF_PII_KEYS, repr=False, validation_alias=AliasChoices(
        f"{prefix}HANDOFF_PII_KEYS", "HANDOFF_PII_KEYS", "handoff_pii_keys"))


def dev_key_problem(spec: str, prefix: str) -> str | None:
    """What SUITE_ENV=prod says of a key ring that holds the development key."""
    if DEV_HANDOFF_PII_KEY in (k.partition(":")[2].strip() for k in spec.split(",")):
        return ("SUITE_ENV=prod refuses the development handoff PII key; "
                f"set HANDOFF_PII_KEYS (or {prefix}HANDOFF_PII_KEYS)")
    return None


def _aad(field: str) -> str:
    return f"handoff.{field}"


def seal_value(ring: KeyRing, value: str, field: str) -> str:
    sealed = ring.seal(value, _aad(field))
    return f"{sealed.kid}:{sealed.token}"


def open_value(ring: KeyRing, blob: str, field: str) -> str:
    kid, sep, token = str(blob).partition(":")
    if not sep:
        raise PiiKeyError("a sealed handoff value is `kid:token`")
    return ring.open(kid, token, _aad(field))


def kid_of(blob: str) -> str:
    return str(blob).partition(":")[0]


def seal_party(ring: KeyRing, party: Any) -> Any:
    """A party as the gateway keeps and sends it: phone and ID number masked, each sealed beside it.
    A bare name, a party without them and one already sealed come back as they are."""
    if not isinstance(party, dict):
        return party
    out = dict(party)
    for field, mask in MASKS.items():
        value = out.get(field)
        if SEALED[field] in out or not isinstance(value, str) or not value.strip() or is_masked(value):
            continue
        out[field], out[SEALED[field]] = mask(value), seal_value(ring, value, field)
    return out


def open_party(ring: KeyRing, party: Any) -> Any:
    """The party with its phone and ID number in clear again (raises PiiKeyError when a key is missing).
    A masked value without its sealed one (nothing to open) is dropped; a clear one (an event sent before
    sealing existed) is kept."""
    if not isinstance(party, dict):
        return party
    out = {k: v for k, v in party.items() if k not in SEALED_KEYS}
    for field in MASKS:
        blob = party.get(SEALED[field])
        if blob:
            out[field] = open_value(ring, blob, field)
        elif isinstance(out.get(field), str) and is_masked(out[field]):
            out.pop(field)
    return out


def reseal_party(ring: KeyRing, party: Any) -> tuple[Any, bool]:
    """(party, changed): values sealed under another key than the first sealed again under the first,
    and values still in clear sealed."""
    if not isinstance(party, dict):
        return party, False
    old = [f for f in MASKS if party.get(SEALED[f]) and kid_of(party[SEALED[f]]) != ring.current]
    out = dict(party)
    for field in old:
        out[SEALED[field]] = seal_value(ring, open_value(ring, party[SEALED[field]], field), field)
    out = seal_party(ring, out)
    return out, out != party


def sealed_kids(parties: Any) -> set[str]:
    """The key ids the parties' sealed values are under."""
    return {kid_of(p[k]) for p in parties or [] if isinstance(p, dict) for k in SEALED_KEYS if p.get(k)}
