"""Pages of a list in time that does not grow with the table.

A page is read "after this row" (keyset paging): Next carries the sort key of the page's last row,
Previous that of its first, so page 5,000 costs what page 2 costs (OFFSET would read the 250,000
rows before it). A page asked for by number alone (a link, a bookmark) is read with OFFSET, which
gives the same rows. The count under the list stops at COUNT_BOUND ("10,000+"): counting a million
matching rows on every render is what made the lists slow.

No Flask here: the views pass what the query string says and build links from `args`.
"""
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

from sqlalchemy import func, literal_column, select, tuple_

from efaktur.extensions import db

COUNT_BOUND = 10_000
MAX_CURSOR = 200  # characters: a cursor is a few values; anything longer is not one of ours


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order; `parse` reads its value back from a cursor."""

    column: Any
    parse: Callable[[str], Any]
    attribute: str = ""

    def value(self, row) -> Any:
        return getattr(row, self.attribute or self.column.key)


def _text(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a cursor's instant carries its zone")
    return value.astimezone(timezone.utc)


def _parse_int(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ValueError("not a row id")
    return int(text)


def date_key(column, attribute: str = "") -> SortKey:
    return SortKey(column, date.fromisoformat, attribute)


def datetime_key(column, attribute: str = "") -> SortKey:
    return SortKey(column, _parse_datetime, attribute)


def int_key(column, attribute: str = "") -> SortKey:
    return SortKey(column, _parse_int, attribute)


def text_key(column, attribute: str = "") -> SortKey:
    return SortKey(column, str, attribute)


@dataclass
class Window:
    """One page of a list: its rows, where it is, and the query-string arguments of its neighbours."""

    items: list
    page: int
    per_page: int
    total: int  # the count, or COUNT_BOUND when there are more
    more: bool  # the count stopped at COUNT_BOUND
    has_prev: bool
    has_next: bool
    prev_args: dict
    next_args: dict
    args: dict  # this same page again (a refresh after a change elsewhere)

    @property
    def pages(self) -> int:
        """The number of pages (at least as many, when the count stopped at its bound)."""
        return max(1, -(-self.total // self.per_page))


def encode_cursor(values) -> str:
    """A row's sort key as it goes in a link: its values joined by "~" (only the first may be text)."""
    return "~".join(_text(v) for v in values)


def decode_cursor(text: str | None, keys: list[SortKey]) -> tuple | None:
    """The sort key a cursor names, or None when it is not one (then the page number decides)."""
    if not text or len(text) > MAX_CURSOR or not text.isprintable():
        return None
    parts = text.rsplit("~", len(keys) - 1)
    if len(parts) != len(keys):
        return None
    try:
        return tuple(key.parse(part) for key, part in zip(keys, parts))
    except (ValueError, OverflowError):
        return None


def bounded_count(query, bound: int = COUNT_BOUND) -> tuple[int, bool]:
    """(how many rows the query selects, or `bound`; whether there are more than `bound`)."""
    # Only a constant is selected, so the database counts from an index when one covers the filters.
    limited = query.order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True).limit(bound + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(limited))
    return min(count, bound), count > bound


def keyset_page(query, keys: list[SortKey], descending: bool, page: int, per_page: int,
                after: str | None = None, before: str | None = None, count: tuple[int, bool] | None = None) -> Window:
    """The page of `query` (its filters, no order) in the order of `keys` (all one direction, the last one
    unique): after the row `after` names, before the row `before` names, or the `page`-th by number.
    `count` is (total, more) when the caller keeps it; otherwise it is counted up to COUNT_BOUND."""
    columns = [key.column for key in keys]
    order = [c.desc() for c in columns] if descending else [c.asc() for c in columns]
    reverse = [c.asc() for c in columns] if descending else [c.desc() for c in columns]
    row_key = tuple_(*columns) if len(columns) > 1 else columns[0]

    def beyond(cursor, forwards):
        value = tuple_(*cursor) if len(cursor) > 1 else cursor[0]
        return row_key < value if forwards == descending else row_key > value

    run = db.session.scalars
    after_key, before_key = decode_cursor(after, keys), decode_cursor(before, keys)
    if before_key is not None:
        rows = list(run(query.where(beyond(before_key, False)).order_by(*reverse).limit(per_page + 1)))
        at_start = len(rows) <= per_page
        rows = rows[:per_page][::-1]
        page = 1 if at_start else max(2, page)
        has_prev, has_next = not at_start, True
    else:
        if after_key is not None:
            rows = list(run(query.where(beyond(after_key, True)).order_by(*order).limit(per_page + 1)))
            page = max(2, page)
        else:
            rows = list(run(query.order_by(*order).offset((page - 1) * per_page).limit(per_page + 1)))
        has_prev, has_next = page > 1, len(rows) > per_page
        rows = rows[:per_page]
    total, more = count if count is not None else bounded_count(query)
    if not more:
        total = max(total, (page - 1) * per_page + len(rows))
    first = encode_cursor([key.value(rows[0]) for key in keys]) if rows else None
    last = encode_cursor([key.value(rows[-1]) for key in keys]) if rows else None
    if page == 2 and has_prev:
        prev_args = {"page": 1}
    else:
        prev_args = {"page": page - 1, "before": first} if first else {"page": max(1, page - 1)}
    next_args = {"page": page + 1, "after": last} if last else {"page": page + 1}
    if page == 1:
        this_args = {}
    elif after_key is not None:
        this_args = {"page": page, "after": after}
    elif before_key is not None:
        this_args = {"page": page, "before": before}
    else:
        this_args = {"page": page}
    return Window(rows, page, per_page, total, more, has_prev, has_next, prev_args, next_args, this_args)
