"""Generate E-Faktur No as people ask for it, from the Invoices page, the Export tab or the API.

- `plan_generate`: what the confirmation says before anything happens (which of the selected
  invoices Generate may number, per year how many need a number, how many are available and
  how many are left after), computed in SQL from the selection, never by loading the invoices;
- `generate`: the ledger's all-or-nothing numbering, then the threshold's fresh recheck of the
  available count and its e-mail, sent inside this request (the guide's rule). The numbers are
  committed before the recheck runs: a recheck that fails is logged and reported, never undone.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import func, true

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.numbering import numberable_conditions
from efaktur.language.lang import gettext, lazy_gettext
from efaktur.numbers.ledger import MAX_BATCH, IssuedNumber, LedgerRefused, generate_numbers, refuse_unless_ranges
from efaktur.numbers.services import year_count
from efaktur.settings.alerts import AlertReport, recheck_after_generate
from efaktur.settings.services import current_settings

log = logging.getLogger(__name__)

GENERATE_TITLE = lazy_gettext("Generate E-Faktur No")


@dataclass(frozen=True)
class YearNeed:
    year: int
    need: int
    available: int

    @property
    def left(self) -> int:
        return self.available - self.need


@dataclass(frozen=True)
class GeneratePlan:
    invoice_ids: list[int]  # those of the selection Generate may number, in id order
    years: list[YearNeed]
    skipped: int  # selected, but already numbered or taking no number: left as they are


def plan_generate(conditions) -> GeneratePlan:
    """The confirmation for the invoices `conditions` (WHERE conditions on Invoice) select. Raises LedgerRefused."""
    refuse_unless_ranges()
    conditions = list(conditions) or [true()]
    numberable = [*conditions, *numberable_conditions()]
    ids = list(db.session.scalars(db.select(Invoice.id).where(*numberable).order_by(Invoice.id).limit(MAX_BATCH + 1)))
    if len(ids) > MAX_BATCH:
        raise LedgerRefused(gettext("More than %(max_batch)s invoices match: Generate takes at most %(max_batch)s at "
                                    "once. Narrow the filters (a month, for instance).", max_batch=MAX_BATCH))
    if not ids:
        raise LedgerRefused(gettext("Tick at least one invoice whose E-Faktur No is (Not Set)."))
    year = func.extract("year", Invoice.invoice_date)
    needs = db.session.execute(db.select(year, func.count()).where(*numberable).group_by(year).order_by(year)).all()
    selected = db.session.scalar(db.select(func.count(Invoice.id)).where(*conditions))
    return GeneratePlan(
        invoice_ids=ids,
        years=[YearNeed(int(y), n, year_count(int(y)).available) for y, n in needs],
        skipped=selected - len(ids),
    )


@dataclass(frozen=True)
class Generated:
    issued: list[IssuedNumber]
    alert: AlertReport | None  # the threshold's e-mail, when the recheck sent (or tried to send) one
    recheck_failed: bool = False


def generate(invoice_ids: list[int]) -> Generated:
    """Number these invoices, all or none (raises LedgerRefused), then recheck the threshold."""
    threshold = current_settings()  # the threshold as set; the count is read after the commit
    issued = generate_numbers(invoice_ids)
    try:
        alert = recheck_after_generate(threshold)
    except Exception:  # the numbers are committed; the recheck's failure is logged, never undone
        log.exception("threshold recheck failed after generating numbers")
        return Generated(issued, None, recheck_failed=True)
    return Generated(issued, alert)
