"""What the idempotency store keeps of an answer (issue 13: personal data and secrets never in clear).

- Parties' personal data: every JSON member named `phone`, `id_number` or `party_phone` is stored
  masked (`138****1234`, `440***********1234`, shared/pii.py). A replay therefore answers them
  masked, even to a caller who saw them in full the first time (read the object again with GET to
  see them in full); the status and everything else are as first answered.
- Secrets: an answer carrying a `secret` member (`POST /api/v1/webhooks`) is stored sealed with the
  webhook sealing keys (Fernet, GATEWAY_WEBHOOK_SEALING_KEYS) and opened for the replay, which
  answers the very same body, secret included.
"""
from __future__ import annotations

import json
from typing import Any

from shared.pii import is_masked, mask_id_number, mask_phone

MASKS = {"phone": mask_phone, "party_phone": mask_phone, "id_number": mask_id_number}
SECRET = "secret"
SEALED = b"sealed:v1:"
MARKERS = tuple(f'"{k}"'.encode() for k in (*MASKS, SECRET))


def _walk(node: Any) -> bool:
    """Mask personal members in place; True when a secret member was seen."""
    secret = False
    if isinstance(node, dict):
        for k, v in node.items():
            if k in MASKS and isinstance(v, str) and v and not is_masked(v):
                node[k] = MASKS[k](v)
            elif k == SECRET and isinstance(v, str):
                secret = True
            else:
                secret = _walk(v) or secret
    elif isinstance(node, list):
        for v in node:
            secret = _walk(v) or secret
    return secret


def for_store(body: bytes, sealer) -> bytes:
    """The body as stored: personal data masked, sealed when it carries a secret."""
    if not body or not any(m in body for m in MARKERS):
        return body
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    secret = _walk(doc)
    out = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    if secret:
        if sealer is None:  # no way to seal: keep nothing of the answer's secret
            return b""
        return sealer.seal(out).encode("ascii")
    return out.encode("utf-8")


def for_replay(body: bytes, sealer) -> bytes:
    if body.startswith(SEALED) and sealer is not None:
        return sealer.open(body.decode("ascii")).encode("utf-8")
    return body
