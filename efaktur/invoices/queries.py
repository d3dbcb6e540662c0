"""Reading invoices for the list and the detail view."""
import json
import re
from datetime import date

from sqlalchemy import Integer, and_, bindparam, column, func, literal_column, or_, table, text
from sqlalchemy.dialects.postgresql import ARRAY

from efaktur.database import is_postgresql
from efaktur.extensions import db
from efaktur.invoices.coretax import BUCKET_LABELS, bucket_conditions
from efaktur.invoices.models import SEARCH_TABLE, STATUS_OVERDUE, STATUS_UNPAID, Invoice
from efaktur.invoices.numbering import holds_a_number, lacks_a_number
from efaktur.numbers.models import NumberAssignment
from efaktur.paging import COUNT_BOUND

_DIGITS = re.compile(r"\d")
_NUMBER_END = re.compile(r"[\d.\-]+")


def month_bounds(month: str) -> tuple[date, date] | None:
    """"2026-03" -> (2026-03-01, 2026-04-01); None when it is not a month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not match:
        return None
    year, mon = int(match.group(1)), int(match.group(2))
    if not 1 <= mon <= 12 or not 1900 <= year <= 9998:
        return None
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def year_bounds(year: str) -> tuple[date, date] | None:
    """"2026" -> (2026-01-01, 2027-01-01); None when it is not a year."""
    if not re.fullmatch(r"\d{4}", year or "") or not 1900 <= int(year) <= 9998:
        return None
    return date(int(year), 1, 1), date(int(year) + 1, 1, 1)


def invoice_query(status: str = "", month: str = "", search: str = "", today: date | None = None, efaktur: str = "",
                  coretax: str = "", year: str = ""):
    """The Invoices page's filters. efaktur: "not_set" (Invoice Tax on, no E-Faktur No), "set", or all;
    coretax: one of invoices/coretax.py's buckets (waiting to be exported, exported, approved, ...), or all."""
    query = db.select(Invoice)
    if coretax in BUCKET_LABELS:
        query = query.where(*bucket_conditions(coretax, holds_a_number()))
    if efaktur == "not_set":
        query = query.where(Invoice.tax_enabled.is_(True), lacks_a_number())
    elif efaktur == "set":
        query = query.where(holds_a_number())
    if status == STATUS_OVERDUE:
        query = query.where(Invoice.status == STATUS_UNPAID, Invoice.due_date < today)
    elif status == STATUS_UNPAID:
        query = query.where(Invoice.status == STATUS_UNPAID, Invoice.due_date >= today)
    elif status:
        query = query.where(Invoice.status == status)
    bounds = month_bounds(month) or year_bounds(year)
    if bounds:
        query = query.where(Invoice.invoice_date >= bounds[0], Invoice.invoice_date < bounds[1])
    # What is typed is searched for as it is: % and _ are letters here, control characters nothing.
    search = "".join(c for c in (search or "") if c.isprintable())[:100].strip()
    if search:
        query = query.where(search_condition(search))
    return query.order_by(Invoice.invoice_date.desc(), Invoice.id.desc())


_SEARCH_INDEX = table(SEARCH_TABLE, column("rowid"), column("number"), column("customer_name"))
SORT_BOUND = COUNT_BOUND  # up to so many invoices found by the text index are read and sorted for a page
TRIGRAM = 3  # the text index finds parts of three letters or more; a shorter search reads the list in order


def _contains(search: str, number, name):
    return or_(number.icontains(search, autoescape=True), name.icontains(search, autoescape=True))


def _text_hits(search: str):
    """The ids of the invoices whose number or customer name contains `search` (3 letters or more), found
    by the text index. The index is asked for a few of the phrase's three-letter parts (_fts_query,
    _trigram_parts), and each invoice it finds is checked with the same LIKE as a shorter search (on SQLite,
    FTS5 folds more letters than SQLite's lower()), so every way finds the same invoices."""
    if is_postgresql():
        parts = _trigram_parts(search)
        if parts is None:  # pg_trgm's indexes answer the LIKE itself
            return db.select(Invoice.id).where(_contains(search, Invoice.number, Invoice.customer_name))
        # Each index is asked for the parts only; the phrase is checked on what they find (`|| ''` keeps the
        # planner from asking the index for the phrase's every part as well).
        return db.select(Invoice.id).where(or_(*(
            and_(*(field.icontains(part, autoescape=True) for part in parts),
                 field.concat("").icontains(search, autoescape=True))
            for field in (Invoice.number, Invoice.customer_name))))
    return (db.select(_SEARCH_INDEX.c.rowid)
            .where(literal_column(SEARCH_TABLE).match(_fts_query(search)),
                   _contains(search, _SEARCH_INDEX.c.number, _SEARCH_INDEX.c.customer_name)))


RARE = 1_000  # a part of three letters found in fewer of the newest RARE_WINDOW invoices narrows the index's reading
RARE_WINDOW = 20_000  # (so a part in up to one in twenty invoices is rare)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts_query(search: str) -> str:
    """What the text index is asked: the two rarest of the phrase's three-letter parts when some are rare, or
    all of its parts, never the phrase itself. Every invoice holding the phrase holds them (the LIKE then checks
    the phrase), and the index reads the short lists of the rare parts only ("PT Pelanggan 01234": "Pel" is in
    every invoice, "234" in a few thousand), or the parts' lists without the positions a phrase reads. How rare a
    part is, is counted among the newest RARE_WINDOW invoices, up to RARE: a count over all of them stopped at
    RARE for "234" as for "Pel" at a million invoices, and the phrase was then looked up by all its parts."""
    parts = sorted({search[i:i + TRIGRAM] for i in range(len(search) - TRIGRAM + 1)})
    if len(parts) <= 2:
        return _quoted(search)
    newest = db.select(func.max(Invoice.id)).scalar_subquery() - RARE_WINDOW
    counts = db.session.execute(db.select(*(  # how many of the newest invoices hold each part: one round trip
        db.select(func.count()).select_from(
            db.select(_SEARCH_INDEX.c.rowid).where(literal_column(SEARCH_TABLE).match(_quoted(part)),
                                                   _SEARCH_INDEX.c.rowid > newest)
            .limit(RARE).subquery()).scalar_subquery()
        for part in parts))).one()
    seen = dict(zip(parts, counts))
    rarest = sorted(parts, key=seen.get)[:2]
    if seen[rarest[0]] == 0:
        return _quoted(rarest[0])  # no new invoice holds this part: few others do
    if seen[rarest[0]] >= RARE:  # every part is common: all of them, in any order (the phrase's positions,
        return " AND ".join(_quoted(part) for part in parts)  # read for every invoice, cost several times more)
    return " AND ".join(_quoted(part) for part in rarest)


COMMON_SHARE = 0.25  # PostgreSQL: a part in more than this share of the invoices (by the statistics) is common
_WORD_PART = re.compile(r"(?=([^\W_]{3}))")  # three letters or digits: what pg_trgm makes a trigram of
_STATISTICS = text(
    "SELECT null_frac, CAST(CAST(most_common_vals AS text) AS text[]), most_common_freqs, "
    "CAST(CAST(histogram_bounds AS text) AS text[]) FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'invoice' AND attname IN ('number', 'customer_name')")


def _trigram_parts(search: str) -> list[str] | None:
    """PostgreSQL: the phrase's three-letter parts without the common ones, or None (ask the index for the phrase).

    pg_trgm's index reads the whole list of every trigram it is asked for, and "pel" or "000" is in every
    invoice; each invoice it finds is then read to check the phrase, so the parts that narrow the search are
    kept. How common a part is comes from the statistics PostgreSQL keeps of the two columns (pg_stats, which
    ANALYZE and autovacuum write: the commonest values with their shares, and a histogram of the rest), as its
    own planner estimates a LIKE; without statistics (a small, new table) the index is asked for the phrase."""
    parts = sorted({match.lower() for match in _WORD_PART.findall(search)})
    if len(parts) < 2:
        return None
    columns = db.session.execute(_STATISTICS).all()
    if not columns:
        return None
    share = dict.fromkeys(parts, 0.0)
    for null_share, common, common_shares, bounds in columns:
        common, common_shares = [value.lower() for value in common or []], common_shares or []
        bounds = [bound.lower() for bound in bounds or []]
        rest = max(0.0, 1.0 - (null_share or 0.0) - sum(common_shares))
        for part in parts:
            share[part] += sum(f for value, f in zip(common, common_shares) if part in value)
            if bounds:
                share[part] += rest * sum(part in bound for bound in bounds) / len(bounds)
    narrowing = [part for part in parts if share[part] <= COMMON_SHARE]
    if not narrowing or len(narrowing) == len(parts):
        return None  # every part is common, or none is: the phrase's own parts are the best ask
    return narrowing


def _among(ids: list[int]):
    """SQL: the invoice is one of `ids` (up to SORT_BOUND of them), as one parameter."""
    if is_postgresql():  # IN (unnest): PostgreSQL then reads the invoices by id (`= ANY` it compared with every row)
        return Invoice.id.in_(db.select(func.unnest(bindparam(None, ids, type_=ARRAY(Integer)))))
    return Invoice.id.in_(db.select(func.json_each(json.dumps(ids)).table_valued("value").c.value))


def search_condition(search: str):
    """SQL: the invoice matches what was typed in the search box: a part of its number or customer name,
    the end of its E-Faktur No, or its whole E-Faktur No or NSFP. Each is an index lookup, read once here:
    the page and its counts are then given the invoices found, by id."""
    if len(search) < TRIGRAM:
        return _contains(search, Invoice.number, Invoice.customer_name)
    lookups = [_text_hits(search)]
    digits = "".join(_DIGITS.findall(search))
    if 3 <= len(digits) < 13 and _NUMBER_END.fullmatch(search):
        # The end of an E-Faktur No, as people read it off a list ("00000005", "26.00000005").
        # Its digits back to front begin the stored key: an index range, not a pass over every number.
        key = digits[::-1]
        lookups.append(db.select(NumberAssignment.invoice_id).where(
            NumberAssignment.number_end >= key, NumberAssignment.number_end < key + ":",
            NumberAssignment.released_at.is_(None)))
    if len(digits) >= 13:
        # An E-Faktur No (16 digits) or NSFP (13): the NSFP is the last 13 digits.
        lookups.append(db.select(NumberAssignment.invoice_id).where(
            NumberAssignment.number == int(digits[-13:]), NumberAssignment.released_at.is_(None)))
    found: set[int] = set()
    for lookup in lookups:
        found.update(db.session.scalars(lookup.limit(SORT_BOUND + 1)))
        if len(found) > SORT_BOUND:
            # Found in more than SORT_BOUND invoices: the list is read in its order and each row checked (a page
            # fills within a few rows), rather than every invoice found being read and sorted first.
            return or_(_contains(search, Invoice.number, Invoice.customer_name),
                       *(Invoice.id.in_(lookup) for lookup in lookups[1:]))
    return _among(sorted(found))


def live_numbers(invoice_ids: list[int]) -> dict[int, NumberAssignment]:
    if not invoice_ids:
        return {}
    return {
        a.invoice_id: a
        for a in db.session.scalars(
            db.select(NumberAssignment).where(
                NumberAssignment.invoice_id.in_(invoice_ids), NumberAssignment.released_at.is_(None)
            )
        )
    }


def number_history(invoice_id: int) -> list[NumberAssignment]:
    return list(
        db.session.scalars(
            db.select(NumberAssignment)
            .where(NumberAssignment.invoice_id == invoice_id)
            .order_by(NumberAssignment.assigned_at, NumberAssignment.id)
        )
    )
