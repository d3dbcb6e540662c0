"""The one parser for record ids coming from forms, URLs and the API. Pure: no Flask.

Ids are positive integers that fit the database's INTEGER column (PostgreSQL's is 32-bit):
anything else cannot name a record, so it is refused here instead of reaching SQL.
"""
from collections.abc import Iterable

from efaktur.language.lang import gettext

MAX_ID = 2**31 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


class IdsError(ValueError):
    """The selection is not a list of record ids; the message is for the user."""


def parse_id(text: str | None) -> int | None:
    """The id in `text`, or None when it cannot be the id of any record."""
    text = (text or "").strip()
    if not text or len(text) > _MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def parse_ids(values: Iterable[str], limit: int) -> list[int]:
    """Distinct ids, ascending, from form values that each hold one id, several joined by commas, or runs
    "first-last" (what compact_ids writes: a confirmation carries 100,000 ids in a few characters)."""
    ids: set[int] = set()
    taken = 0  # ids read, a repeated one counted again: bounds the work whatever the input repeats
    for value in values:
        for part in (value or "").split(","):
            if not part.strip():
                continue
            first, dash, last = part.partition("-")
            low, high = parse_id(first), parse_id(last) if dash else parse_id(first)
            if low is None or high is None or high < low:
                raise IdsError(gettext("The selection was not understood; reload the page and tick the invoices "
                                       "again."))
            taken += high - low + 1
            if taken > limit:
                raise IdsError(gettext("At most %(limit)s invoices at once.", limit=limit))
            ids.update(range(low, high + 1))
    return sorted(ids)


def compact_ids(ids: Iterable[int]) -> str:
    """Ids as parse_ids reads them, consecutive ones as a run: [1, 2, 3, 7] -> "1-3,7"."""
    runs: list[list[int]] = []
    for value in sorted(set(ids)):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return ",".join(f"{low}-{high}" if high > low else str(low) for low, high in runs)
