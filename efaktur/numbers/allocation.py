"""Which numbers go out next: pure planning over the pools of a year's ranges. No Flask, no database.

A year's pool is its ranges in ascending order; in each range the released numbers
(all below the range's next_number) come before the fresh numbers from next_number up.
Taking the first k of that sequence is "the smallest available number first".
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class RangePool:
    range_id: int
    start_number: int
    end_number: int
    next_number: int
    released: tuple[int, ...]  # ascending; may hold only the first few the caller needs

    @property
    def fresh(self) -> int:
        return self.end_number - self.next_number + 1


@dataclass(frozen=True)
class RangeTake:
    range_id: int
    released: tuple[int, ...]  # released numbers taken (the smallest ones of the range)
    fresh_from: int  # first fresh number taken
    fresh_count: int

    @property
    def numbers(self) -> list[int]:
        return list(self.released) + list(range(self.fresh_from, self.fresh_from + self.fresh_count))

    @property
    def count(self) -> int:
        return len(self.released) + self.fresh_count

    @property
    def next_number_after(self) -> int:
        return self.fresh_from + self.fresh_count


class NotEnoughNumbers(Exception):
    def __init__(self, needed: int, available: int):
        super().__init__(f"needed {needed}, available {available}")
        self.needed = needed
        self.available = available


def plan_take(pools: list[RangePool], need: int) -> list[RangeTake]:
    """The takes, range by range, that hand out the `need` smallest available numbers."""
    if need < 0:
        raise ValueError("need must not be negative")
    takes: list[RangeTake] = []
    remaining = need
    for pool in sorted(pools, key=lambda p: p.start_number):
        if remaining == 0:
            break
        released = tuple(sorted(pool.released))[:remaining]
        if released and (released[0] < pool.start_number or released[-1] >= pool.next_number):
            raise ValueError(f"released number outside the used part of range {pool.range_id}")
        fresh_count = min(remaining - len(released), pool.fresh)
        if released or fresh_count:
            takes.append(RangeTake(pool.range_id, released, pool.next_number, fresh_count))
            remaining -= len(released) + fresh_count
    if remaining:
        raise NotEnoughNumbers(need, need - remaining)
    return takes
