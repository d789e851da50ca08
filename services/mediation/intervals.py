"""Interval arithmetic over half-open [start, end) pairs, kept sorted and disjoint."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")  # datetime, or anything ordered
Interval = tuple[T, T]


def normalize(items: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals; drop empty ones."""
    out: list[list] = []
    for s, e in sorted(i for i in items if i[0] < i[1]):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1][1] = e
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def subtract(free: list[Interval], busy: list[Interval]) -> list[Interval]:
    """`free` minus `busy` (both normalized)."""
    out: list[Interval] = []
    j = 0
    for s, e in free:
        cur = s
        while j < len(busy) and busy[j][1] <= cur:
            j += 1
        k = j
        while k < len(busy) and busy[k][0] < e:
            bs, be = busy[k]
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
            if cur >= e:
                break
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Common parts of two normalized lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def covers(free: list[Interval], s, e) -> bool:
    """Whether [s, e) lies inside one interval of the normalized list `free`."""
    i = bisect_right(free, (s, s)) - 1
    return any(0 <= k < len(free) and free[k][0] <= s and e <= free[k][1] for k in (i, i + 1))
