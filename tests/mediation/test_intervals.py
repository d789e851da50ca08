"""Interval arithmetic of the mediation bookings (services/mediation/intervals.py) over half-open [start, end)
pairs: touching intervals merge, touching is not overlapping, an interval may end exactly where another begins.
Pure: no suite."""
from __future__ import annotations

from services.mediation.intervals import covers, intersect, normalize, subtract


def test_normalize_sorts_merges_touching_and_drops_empty():
    assert normalize([(5, 7), (1, 2), (2, 3), (4, 4), (6, 1), (6, 9)]) == [(1, 3), (5, 9)]
    assert normalize([(1, 10), (2, 3)]) == [(1, 10)]  # contained
    assert normalize([]) == []


def test_subtract_leaves_the_gaps():
    assert subtract([(0, 10)], [(2, 4), (6, 8)]) == [(0, 2), (4, 6), (8, 10)]
    assert subtract([(0, 10)], [(10, 12), (-2, 0)]) == [(0, 10)]  # touching the ends takes nothing
    assert subtract([(0, 10)], [(-1, 11)]) == []
    assert subtract([(0, 5), (7, 10)], [(4, 8)]) == [(0, 4), (8, 10)]  # one busy spans two free intervals
    assert subtract([(0, 10)], []) == [(0, 10)]


def test_intersect_of_touching_intervals_is_empty():
    assert intersect([(0, 5)], [(5, 10)]) == []
    assert intersect([(0, 5), (7, 9)], [(3, 8)]) == [(3, 5), (7, 8)]
    assert intersect([(0, 10)], [(2, 3), (4, 6)]) == [(2, 3), (4, 6)]


def test_covers_is_half_open():
    free = [(0, 5), (6, 10)]
    assert covers(free, 0, 5) and covers(free, 6, 10) and covers(free, 7, 8)
    assert not covers(free, 4, 7)   # across the gap
    assert not covers(free, 9, 11)  # past the end
    assert not covers(free, -1, 1)
    assert not covers([], 0, 1)
    busy_until_10 = subtract([(0, 20)], [(5, 10)])
    assert covers(busy_until_10, 10, 12)  # a booking may start exactly when the previous one ends
    assert not covers(busy_until_10, 3, 6)
