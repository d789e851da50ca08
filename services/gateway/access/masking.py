"""Parties' phones and ID numbers masked in the gateway's answers (API.md "Personal data in answers"):
the timeline, the event feed, handoff answers and webhook bodies never carry them unmasked, whoever asks,
nor the sealed values a handoff keeps beside the masked ones (`phone_sealed`, shared/handoff_pii.py)."""
from __future__ import annotations

import re
from typing import Any

try:  # the suite's masks (shared/pii.py), when present
    from shared.pii import mask_id_number, mask_phone
except ImportError:  # pragma: no cover - the same forms, kept here
    def _digits(v: str) -> str:
        return "".join(ch for ch in v if ch.isdigit())

    def mask_phone(phone: str | None) -> str:
        d = _digits(phone or "")
        return f"{d[:3]}****{d[-4:]}" if len(d) >= 8 else "*" * max(len(d) - 2, 0) + d[-2:]

    def mask_id_number(value: str | None) -> str:
        v = (value or "").strip()
        return f"{v[:3]}{'*' * (len(v) - 7)}{v[-4:]}" if len(v) >= 8 else "*" * len(v)

from shared.handoff_pii import SEALED_KEYS

PHONE_KEYS = frozenset({"phone", "mobile", "phone_number", "telephone", "tel"})
ID_KEYS = frozenset({"id_number", "id_card", "id_no", "identity_number"})
_MAX_DEPTH = 12


_MASKED = re.compile(r"^[0-9A-Za-z]{0,3}\*+[0-9A-Za-z]{0,4}$")


def _already_masked(value: str) -> bool:
    """Exactly a masked form (`138****1234`, `440***********1234`): a value merely holding a `*` is masked."""
    return bool(_MASKED.match(value))


def mask_personal(value: Any, depth: int = 0) -> Any:
    """A copy of `value` (JSON-like) with every phone and ID number under a known key masked."""
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in SEALED_KEYS:  # for mediation only (which opens it), never in an answer
                continue
            if isinstance(v, str) and v and not _already_masked(v):
                key = str(k).lower()
                if key in PHONE_KEYS:
                    out[k] = mask_phone(v)
                    continue
                if key in ID_KEYS:
                    out[k] = mask_id_number(v)
                    continue
            out[k] = mask_personal(v, depth + 1) if isinstance(v, (dict, list)) else v
        return out
    if isinstance(value, list):
        return [mask_personal(v, depth + 1) if isinstance(v, (dict, list)) else v for v in value]
    return value
