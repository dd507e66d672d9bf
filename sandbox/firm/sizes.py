"""Sizes of the synthetic firm. Planted causes scale with size; every cause is planted at every size."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    customers: int
    sows_per_customer: float
    time_entries: int  # target total (the generator lands close to it)
    plant: int  # how many times each planted cause is planted


SIZES = {
    s.name: s
    for s in (
        Size("tiny", 10, 3.0, 2_000, 1),
        Size("small", 120, 2.6, 100_000, 3),
        Size("medium", 1_000, 2.6, 1_000_000, 8),
        Size("large", 9_000, 2.6, 10_000_000, 25),
    )
}


def get_size(name: str) -> Size:
    try:
        return SIZES[name]
    except KeyError:
        raise ValueError(f"unknown size {name!r}; expected one of {', '.join(SIZES)}") from None
