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
    """Distinct ids, ascending, from form values that each hold one id or several joined by commas."""
    ids: set[int] = set()
    for value in values:
        for part in (value or "").split(","):
            if not part.strip():
                continue
            parsed = parse_id(part)
            if parsed is None:
                raise IdsError(gettext("The selection was not understood; reload the page and tick the invoices "
                                       "again."))
            ids.add(parsed)
            if len(ids) > limit:
                raise IdsError(gettext("At most %(limit)s invoices at once.", limit=limit))
    return sorted(ids)
