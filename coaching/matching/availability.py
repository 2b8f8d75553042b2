"""Weekly availability as 30-minute slots.

The week is 7 x 48 = 336 slots; slot ``weekday * 48 + k`` covers minutes
``[30k, 30k + 30)`` of that day. A time range is widened to whole slots,
``[floor(start / 30), ceil(end / 30))``, so 9:15-10:00 occupies 9:00-10:00.
The overlap of two availabilities is the number of slots both occupy, times
30 minutes. Working on a set of slots means ranges that overlap on one side
never count twice, and the comparison is a bitwise AND plus a popcount, which
numpy does for thousands of coaches at once.

A mask is a Python int with 336 bits (bit i = slot i). For many pairs at
once the masks become 0/1 matrices (``slot_matrix``), and the overlap of every
request with every coach is one matrix product: a count of common slots, exact
in float32, computed by BLAS.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .types import TimeRange

SLOT_MINUTES = 30
SLOTS_PER_DAY = 1440 // SLOT_MINUTES  # 48
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY  # 336
_WORD = (1 << 64) - 1
_MASK_BYTES = SLOTS_PER_WEEK // 8  # 42


def slot_mask(ranges: Iterable[TimeRange]) -> int:
    """The set of slots touched by ``ranges``, as a bit mask."""
    mask = 0
    for r in ranges:
        first = r.weekday * SLOTS_PER_DAY + r.start_minute // SLOT_MINUTES
        end = r.weekday * SLOTS_PER_DAY + -(-r.end_minute // SLOT_MINUTES)
        mask |= ((1 << (end - first)) - 1) << first
    return mask


def weekly_minutes(ranges: Iterable[TimeRange]) -> int:
    """Minutes a week ``ranges`` cover, counted in whole slots as overlaps are."""
    return slot_mask(ranges).bit_count() * SLOT_MINUTES


def overlap_minutes(a: Iterable[TimeRange], b: Iterable[TimeRange]) -> int:
    """Minutes a week that both sides are available, counted in whole slots."""
    return (slot_mask(a) & slot_mask(b)).bit_count() * SLOT_MINUTES


def slot_matrix(masks: list[int]) -> np.ndarray:
    """Masks as an ``(n, 336)`` uint8 array of 0/1, column i = slot i."""
    raw = np.frombuffer(b"".join(m.to_bytes(_MASK_BYTES, "little") for m in masks), np.uint8)
    return np.unpackbits(raw.reshape(len(masks), _MASK_BYTES), axis=1, bitorder="little")


def mask_words(masks: list[int], words: int) -> np.ndarray:
    """Bit masks as an ``(n, words)`` uint64 array (word 0 holds bits 0-63)."""
    out = np.zeros((len(masks), words), dtype=np.uint64)
    for w in range(words):
        shift = 64 * w
        out[:, w] = [(m >> shift) & _WORD for m in masks]
    return out
