"""Reading the E-Faktur Files tab: each reported invoice with its current file."""
from sqlalchemy.orm import contains_eager

from efaktur.extensions import db
from efaktur.files.models import EfakturFile
from efaktur.invoices.models import Invoice
from efaktur.paging import Window, datetime_key, int_key, keyset_page

PER_PAGE = 50


def current_files(email_status: str = "", efaktur_status: str = ""):
    query = (
        db.select(EfakturFile)
        .join(Invoice, Invoice.id == EfakturFile.invoice_id)
        .options(contains_eager(EfakturFile.invoice))
        .where(EfakturFile.superseded_at.is_(None))
    )
    if email_status:
        query = query.where(EfakturFile.email_status == email_status)
    if efaktur_status == "replacement":
        query = query.where(EfakturFile.replacement.is_(True))
    elif efaktur_status == "normal":
        query = query.where(EfakturFile.replacement.is_(False))
    return query.order_by(EfakturFile.uploaded_at.desc(), EfakturFile.id.desc())


FILE_ORDER = [datetime_key(EfakturFile.uploaded_at), int_key(EfakturFile.id)]  # newest first, as current_files orders


def files_page(email_status: str, efaktur_status: str, page: int, after: str | None = None,
               before: str | None = None) -> Window:
    return keyset_page(current_files(email_status, efaktur_status).order_by(None), FILE_ORDER, True, page, PER_PAGE,
                       after, before)


def invoice_files(invoice_id: int) -> list[EfakturFile]:
    """Every file of the invoice, the current one first, then the older ones newest first."""
    return list(
        db.session.scalars(
            db.select(EfakturFile)
            .where(EfakturFile.invoice_id == invoice_id)
            .order_by(EfakturFile.superseded_at.is_not(None), EfakturFile.uploaded_at.desc(), EfakturFile.id.desc())
        )
    )
