"""Planning which numbers go out next: pure, no database."""
import pytest

from efaktur.numbers.allocation import NotEnoughNumbers, RangePool, plan_take


def pool(range_id, start, end, next_number=None, released=()):
    return RangePool(range_id, start, end, start if next_number is None else next_number, tuple(released))


def numbers(takes):
    return [n for take in takes for n in take.numbers]


def test_fresh_numbers_in_ascending_order():
    assert numbers(plan_take([pool(1, 100, 199)], 3)) == [100, 101, 102]


def test_released_numbers_go_before_fresh_ones():
    takes = plan_take([pool(1, 100, 199, next_number=110, released=[104, 101])], 3)
    assert numbers(takes) == [101, 104, 110]
    assert takes[0].next_number_after == 111


def test_ranges_are_used_in_ascending_order_whatever_the_input_order():
    takes = plan_take([pool(2, 500, 509), pool(1, 100, 102)], 5)
    assert numbers(takes) == [100, 101, 102, 500, 501]


def test_a_returned_number_of_an_earlier_range_comes_before_a_later_range():
    takes = plan_take([pool(1, 100, 102, next_number=103, released=[101]), pool(2, 500, 509)], 2)
    assert numbers(takes) == [101, 500]


def test_not_enough_numbers_says_how_many_there_are():
    with pytest.raises(NotEnoughNumbers) as error:
        plan_take([pool(1, 100, 102, next_number=102, released=[100])], 5)
    assert (error.value.needed, error.value.available) == (5, 2)


def test_nothing_needed_takes_nothing():
    assert plan_take([pool(1, 100, 102)], 0) == []
