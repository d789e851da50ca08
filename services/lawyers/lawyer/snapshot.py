"""A per-process snapshot of the roster's slow-changing facts, for fast assignment.

Kind, active flag, specialties, languages, contract windows and leave change
rarely; every such change writes a new random token into `roster_state` in the
same transaction. A reader checks the token (one tiny query) and reloads only when
it changed, so replicas never act on a stale roster. Load counters
(`open_requests`, `last_assigned_at`) are never cached: they are read and taken
atomically in the database at assignment time.
"""
from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import orjson
from sqlmodel import Session

from services.lawyers.lawyer import repository as repo
from shared import vocabulary


def roster_changed(session: Session) -> None:
    """Call in the transaction of any change to kind, active, specialties, languages, contracts or leave."""
    repo.store_roster_token(session, uuid.uuid4().hex)


@dataclass(frozen=True)
class RosterEntry:
    id: str
    kind: str
    active: bool
    specialties: frozenset[str]  # casefolded
    languages: frozenset[str]
    contracts: tuple[tuple[date, date], ...]
    leaves: tuple[tuple[date, date], ...]

    def in_contract(self, d: date) -> bool:
        return any(a <= d <= b for a, b in self.contracts)

    def on_leave(self, d: date) -> bool:
        return any(a <= d <= b for a, b in self.leaves)


@dataclass(eq=False)
class RosterVerdict:
    """The slow-changing rules applied to the roster for one question: who passes, who fails and why.

    Memoised with the snapshot, so what is derived from it (the grouped skip list, its content id,
    whether it is stored) is computed once per roster version and question.
    """

    passing: list[str]
    failing: dict[str, str]  # lawyer id -> "reason|reason"
    stored: bool = field(default=False)  # its skip set is known to be in the database

    @cached_property
    def grouped(self) -> dict[str, list[str]]:
        """`failing` as reasons -> sorted lawyer ids, in a canonical order."""
        out: dict[str, list[str]] = {}
        for lid, key in self.failing.items():
            out.setdefault(key, []).append(lid)
        return {k: sorted(v) for k, v in sorted(out.items())}

    @cached_property
    def skip_set_id(self) -> str:
        return hashlib.sha1(orjson.dumps(self.grouped)).hexdigest()


class RosterSnapshot:
    def __init__(self) -> None:
        self._token: str | None = None
        self._entries: list[RosterEntry] = []
        self._memo: dict[tuple, RosterVerdict] = {}
        self._lock = threading.Lock()

    def get(self, session: Session) -> list[RosterEntry]:
        return self._current(session)[0]

    def _current(self, session: Session) -> tuple[list[RosterEntry], dict]:
        token = repo.roster_token(session)
        with self._lock:
            if token is not None and token == self._token:
                return self._entries, self._memo
        entries = self._load(session)
        memo: dict[tuple, RosterVerdict] = {}
        with self._lock:
            if token is not None:
                self._token, self._entries, self._memo = token, entries, memo
        return entries, memo

    def static_reasons(self, session: Session, on: date, kinds: frozenset[str], category: str,
                       language: str | None) -> RosterVerdict:
        """Lawyers passing the slow-changing rules on `on`, and `id -> "reason|reason"` for the others.

        Memoised per roster token and question; the caller must not modify the results.
        """
        entries, memo = self._current(session)
        key = (on, kinds, category, language)
        hit = memo.get(key)
        if hit is not None:
            return hit
        passing: list[str] = []
        failing: dict[str, str] = {}
        for e in entries:
            reasons = []
            if e.kind not in kinds:
                reasons.append("kind_not_eligible")
            if not e.active:
                reasons.append("inactive")
            if e.kind == "retained_counsel" and not e.in_contract(on):
                reasons.append("outside_contract")
            if e.on_leave(on):
                reasons.append("on_leave")
            if category and category not in e.specialties:
                reasons.append("specialty_mismatch")
            if language and language not in e.languages:
                reasons.append("language_mismatch")
            if reasons:
                failing[e.id] = "|".join(reasons)
            else:
                passing.append(e.id)
        if len(memo) > 512:
            memo.clear()
        memo[key] = verdict = RosterVerdict(passing, failing)
        return verdict

    @staticmethod
    def _load(session: Session) -> list[RosterEntry]:
        contracts: dict[str, list] = {}
        for lid, a, b in repo.contract_windows(session):
            contracts.setdefault(lid, []).append((a, b))
        leaves: dict[str, list] = {}
        for lid, a, b in repo.leave_windows(session):
            leaves.setdefault(lid, []).append((a, b))
        rows = repo.roster_facts(session)
        # Specialties as the shared vocabulary compares them with a request's category (match_key).
        return [RosterEntry(lid, kind, bool(active), vocabulary.specialty_keys(specs, texts), frozenset(langs),
                            tuple(contracts.get(lid, ())), tuple(leaves.get(lid, ())))
                for lid, kind, active, specs, langs, texts in rows]
