"""E-mailing each customer its e-Faktur PDF: claimed, sent once, outcome recorded per file.

Sending many is driven by the browser a slice at a time (the Send dialog asks for the next
slice until none is left), so it works on plain gunicorn workers and shows its progress:
- a file is claimed before it is sent (Ready to Send -> Sending) by one UPDATE that only
  takes rows still Ready: two people pressing Send at once, or a repeated request, never
  send one file twice;
- each message goes out on its own, within MAIL_TIMEOUT, and its outcome is committed at once:
  Sent; Failed (known not delivered: the server refused it, or it could not be reached), with the
  server's reason; or Unknown, when the server did not answer in time: the sending thread may still
  deliver it, so nobody can say. One bad address fails alone;
- a closed browser stops asking for slices: what was sent stays Sent, what was not claimed
  stays Ready to Send. A file left Sending by a worker that died is Unknown after a while;
- Resend takes Sent and Failed files back to Ready to Send, and Unknown ones only once the person
  has been told to check with the recipient first (the customer would otherwise get it twice).
"""
import logging
import smtplib
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, render_template
from flask_mail import Message

from efaktur.activity.services import record
from efaktur.database import write_transaction
from efaktur.extensions import db, mail
from efaktur.files.models import (
    EMAIL_FAILED,
    EMAIL_READY,
    EMAIL_SENDING,
    EMAIL_SENT,
    EMAIL_UNKNOWN,
    EfakturFile,
    EfakturFileContent,
)
from efaktur.formats.pdf_names import DESKTOP
from efaktur.invoices.models import Invoice
from efaktur.invoices.queries import live_numbers
from efaktur.language.i18n import in_language
from efaktur.language.lang import N_, gettext, ngettext, some_of
from efaktur.mailer import MailTimeout
from efaktur.rules.clock import utc_now
from efaktur.settings.services import current_settings, sender_of
from efaktur.web.errors import Refused

log = logging.getLogger(__name__)

SLICE_FILES = 20  # at most this many messages per request
SLICE_SECONDS = 3.0  # and no new message after this long, so each request answers quickly
INTERRUPTED = (
    N_("The sending was interrupted (the server stopped while sending): it may or may not have gone out. Check with "
       "the customer, then Resend.")
)
NO_ANSWER = N_("The mail server did not answer in time: the e-mail may still have been delivered. Check with the "
               "recipient before resending.")
# What a timeout or a dropped connection leaves open: the message may be on its way.
UNKNOWN_ERRORS = (MailTimeout, TimeoutError, smtplib.SMTPServerDisconnected)


class SendRefused(Refused):
    def __init__(self, message: str):
        super().__init__({"file_ids": message})


class SendUnconfirmed(Exception):
    """Send or Resend was asked for, every check passed: say how many e-mails go to which addresses, and ask."""

    def __init__(self, addresses: list[tuple[str, int]]):
        super().__init__(addresses)
        self.addresses = addresses  # (address, e-mails to it), the most first
        self.count = sum(count for _, count in addresses)


class ResendUnconfirmed(SendUnconfirmed):
    """Resend was asked for files whose e-mail may have gone out (Unknown): ask first, naming them."""

    def __init__(self, invoice_numbers: list[str], addresses: list[tuple[str, int]]):
        super().__init__(addresses)
        self.invoice_numbers = invoice_numbers


def _addresses(rows) -> list[tuple[str, int]]:
    counts = Counter(email.lower() for _, _, _, email in rows)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _stale_before():
    return utc_now() - timedelta(seconds=2 * float(current_app.config.get("MAIL_TIMEOUT", 10)) + 60)


def sweep_interrupted() -> int:
    """Files left Sending by a request that died: Failed, with what that means."""
    with write_transaction():
        return db.session.execute(
            db.update(EfakturFile)
            .where(EfakturFile.email_status == EMAIL_SENDING, EfakturFile.email_at < _stale_before())
            .values(email_status=EMAIL_UNKNOWN, email_error=INTERRUPTED, email_claim=None)
        ).rowcount


def _current_files(file_ids: list[int]):
    return db.session.execute(
        db.select(EfakturFile.id, EfakturFile.email_status, Invoice.number, Invoice.customer_email)
        .join(Invoice, Invoice.id == EfakturFile.invoice_id)
        .where(EfakturFile.id.in_(file_ids), EfakturFile.superseded_at.is_(None))
    ).all()


def plan_send(file_ids: list[int], resend: bool = False, unknown_checked: bool = False,
              confirmed: bool = True) -> list[int]:
    """Check the ticked files before anything goes out (the ids to send, sorted); Resend puts Sent and Failed ones back to Ready,
    and Unknown ones once `unknown_checked` (the person was told to check with the recipient); until
    then it raises ResendUnconfirmed naming them. Not `confirmed` (the page's first click), it raises
    SendUnconfirmed with the addresses once every check has passed, and changes nothing."""
    if not current_app.config.get("MAIL_SERVER"):
        raise SendRefused(gettext("No mail server is set up, so no e-mail can go out. Ask your admin to set one up."))
    if not file_ids:
        raise SendRefused(gettext("Tick at least one file to send."))
    sweep_interrupted()
    rows = _current_files(file_ids)
    if len(rows) != len(set(file_ids)):
        raise SendRefused(gettext("Some ticked files were replaced by a newer upload; reload the page and tick them "
                                  "again."))
    no_address = [number for _, _, number, email in rows if not email]
    if no_address:
        raise SendRefused(
            ngettext("%(num)s invoice has no Customer Email (%(names)s): add it on the invoice, or untick it.",
                     "%(num)s invoices have no Customer Email (%(names)s): add it on the invoices, or untick them.",
                     len(no_address), names=some_of(no_address))
        )
    if resend:
        unsent = [number for _, status, number, _ in rows if status == EMAIL_READY]
        sending = [number for _, status, number, _ in rows if status == EMAIL_SENDING]
        if sending:
            raise SendRefused(gettext("Being sent right now: %(names)s. Wait until it is done.",
                                      names=some_of(sending)))
        unknown = [number for _, status, number, _ in rows if status == EMAIL_UNKNOWN]
        if unknown and not unknown_checked:
            raise ResendUnconfirmed(unknown, _addresses(rows))
        if unsent and len(unsent) == len(rows):
            raise SendRefused(ngettext("Nothing to resend: %(names)s was never sent; use Send Email.",
                                       "Nothing to resend: %(names)s were never sent; use Send Email.",
                                       len(unsent), names=some_of(unsent)))
        if not confirmed:
            raise SendUnconfirmed(_addresses([row for row in rows if row[1] != EMAIL_READY]))
        with write_transaction():
            again = db.session.execute(
                db.update(EfakturFile)
                .where(EfakturFile.id.in_(file_ids),
                       EfakturFile.email_status.in_((EMAIL_SENT, EMAIL_FAILED, EMAIL_UNKNOWN)))
                .values(email_status=EMAIL_READY, email_error=None, email_claim=None)
            ).rowcount
            if again:
                record("files.resend", N_("Queued %(count)s e-Faktur e-mail(s) to be sent again."), subject="files", count=again)
        if unsent and not again:
            raise SendRefused(ngettext("Nothing to resend: %(names)s was never sent; use Send Email.",
                                       "Nothing to resend: %(names)s were never sent; use Send Email.",
                                       len(unsent), names=some_of(unsent)))
    else:
        done = [number for _, status, number, _ in rows if status != EMAIL_READY]
        if done:
            raise SendRefused(
                ngettext("%(num)s of the ticked files is not Ready to Send (%(names)s): use Resend for it, or untick "
                         "it.",
                         "%(num)s of the ticked files are not Ready to Send (%(names)s): use Resend for them, or untick them.",
                         len(done), names=some_of(done))
            )
        if not confirmed:
            raise SendUnconfirmed(_addresses(rows))
    return sorted(set(file_ids))


def ready_file_ids() -> list[int]:
    """Every current file that is Ready to Send (Send all Ready to Send)."""
    return list(
        db.session.scalars(
            db.select(EfakturFile.id)
            .where(EfakturFile.superseded_at.is_(None), EfakturFile.email_status == EMAIL_READY)
            .order_by(EfakturFile.id)
        )
    )


def _claim(file_ids: list[int], limit: int, claim: str) -> list[int]:
    """Take up to `limit` of these files that are still Ready; only this request will send them."""
    with write_transaction():
        candidates = db.select(EfakturFile.id).where(
            EfakturFile.id.in_(file_ids), EfakturFile.email_status == EMAIL_READY, EfakturFile.superseded_at.is_(None)
        ).order_by(EfakturFile.id).limit(limit)
        # The status is tested again by the UPDATE itself: on PostgreSQL a row another request
        # claimed meanwhile is re-read after its lock and no longer matches.
        claimed = db.session.scalars(
            db.update(EfakturFile)
            .where(EfakturFile.id.in_(candidates.scalar_subquery()), EfakturFile.email_status == EMAIL_READY)
            .values(email_status=EMAIL_SENDING, email_claim=claim, email_at=utc_now())
            .returning(EfakturFile.id)
        ).all()
    return sorted(claimed)


def _message(file_id: int, settings) -> tuple[Message, str, str]:
    stored, invoice = db.session.execute(
        db.select(EfakturFile, Invoice).join(Invoice, Invoice.id == EfakturFile.invoice_id).where(EfakturFile.id == file_id)
    ).one()
    data = db.session.scalar(db.select(EfakturFileContent.data).where(EfakturFileContent.file_id == file_id))
    live = live_numbers([invoice.id]).get(invoice.id)
    number = live.efaktur_no if (stored.kind == DESKTOP and live) else (invoice.coretax_number or stored.number)
    company = settings.company_name
    context = {"company": company, "invoice": invoice, "efaktur_no": number, "file_name": stored.file_name}
    with in_language(invoice.customer_language or "id"):  # the language set on the invoice's customer
        if company:
            subject = gettext("e-Faktur %(number)s for invoice %(invoice)s from %(company)s", number=number,
                              invoice=invoice.number, company=company)
        else:
            subject = gettext("e-Faktur %(number)s for invoice %(invoice)s", number=number, invoice=invoice.number)
        message = Message(
            subject=subject,
            recipients=[invoice.customer_email],
            body=render_template("email/efaktur.txt", **context),
            html=render_template("email/efaktur.html", **context),
            sender=sender_of(settings),
            reply_to=settings.reply_to or None,
        )
    message.attach(stored.file_name, "application/pdf", data)
    return message, invoice.customer_email, invoice.number


@dataclass
class SliceResult:
    sent: list[str] = field(default_factory=list)  # invoice numbers
    failed: list[tuple[str, str]] = field(default_factory=list)  # (invoice number, reason)
    unknown: list[str] = field(default_factory=list)  # invoice numbers whose delivery nobody can tell


def send_slice(file_ids: list[int]) -> SliceResult:
    """Claim and send the next few of these files; returns what happened to each."""
    claim = uuid.uuid4().hex
    claimed = _claim(file_ids, SLICE_FILES, claim)
    result = SliceResult()
    settings = current_settings()
    started = time.monotonic()
    for position, file_id in enumerate(claimed):
        if position and time.monotonic() - started > SLICE_SECONDS:
            # Past this request's time: hand the rest back, the next slice takes them.
            with write_transaction():
                db.session.execute(
                    db.update(EfakturFile)
                    .where(EfakturFile.id.in_(claimed[position:]), EfakturFile.email_claim == claim)
                    .values(email_status=EMAIL_READY, email_claim=None)
                )
            break
        message, address, invoice_number = _message(file_id, settings)
        try:
            mail.send_within_deadline(message)
        except UNKNOWN_ERRORS as error:  # no answer in time: it may still be delivered
            status, detail = EMAIL_UNKNOWN, NO_ANSWER
            result.unknown.append(invoice_number)
            log.warning("e-Faktur e-mail for %s to %s: no answer in time, delivery unknown: %s", invoice_number,
                        address, error)
        except Exception as error:  # refused, rejected, unreachable: this file's outcome, not the request's
            status, detail = EMAIL_FAILED, f"{type(error).__name__}: {error}"
            result.failed.append((invoice_number, detail))
            log.warning("e-Faktur e-mail for %s to %s failed: %s", invoice_number, address, detail)
        else:
            status, detail = EMAIL_SENT, None
            result.sent.append(invoice_number)
        with write_transaction():
            db.session.execute(
                db.update(EfakturFile)
                .where(EfakturFile.id == file_id, EfakturFile.email_claim == claim)
                .values(email_status=status, email_error=detail, email_to=address, email_at=utc_now(), email_claim=None)
            )
    if result.unknown:
        with write_transaction():
            record("files.emailed", N_("E-mailed the e-Faktur of %(count)s invoice(s) without an answer from the mail "
                                       "server in time (%(names)s): whether it was delivered is unknown."),
                   subject="files", count=len(result.unknown),
                   names={"some_of": result.unknown[:5], "total": len(result.unknown)})
    if result.sent or result.failed:
        with write_transaction():
            sent = {"count": len(result.sent), "sent": {"some_of": result.sent[:5], "total": len(result.sent)}}
            failed = {"failed": len(result.failed),
                      "reasons": {"some_of": [f"{n}: {d}" for n, d in result.failed[:5]], "total": len(result.failed)}}
            if result.sent and result.failed:
                record("files.emailed", N_("E-mailed the e-Faktur of %(count)s invoice(s) (%(sent)s); %(failed)s "
                                           "failed "
                                           "(%(reasons)s)."), subject="files", **sent, **failed)
            elif result.sent:
                record("files.emailed", N_("E-mailed the e-Faktur of %(count)s invoice(s) (%(sent)s)."), subject="files", **sent)
            else:
                record("files.emailed", N_("E-mailed the e-Faktur of 0 invoice(s); %(failed)s failed (%(reasons)s)."),
                       subject="files", **failed)
    return result


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    waiting: int  # Ready or Sending, and still the invoice's current file
    replaced: int = 0  # waited, but a newer file of the invoice came since: it is not sent (that one may be)
    unknown: int = 0  # the server did not answer in time: delivered or not, nobody can tell

    @property
    def finished(self) -> int:
        return self.sent + self.failed + self.unknown

    @property
    def done(self) -> bool:
        return self.waiting == 0


def progress(file_ids: list[int]) -> Progress:
    """How a send is going. A file replaced by a newer one while it waited is never sent (the sender takes
    current files only), so it counts as done, as replaced, not as waiting: the dialog does not wait for it."""
    superseded = EfakturFile.superseded_at.is_not(None)
    counts = {
        (status, bool(replaced)): count
        for status, replaced, count in db.session.execute(
            db.select(EfakturFile.email_status, superseded, db.func.count())
            .where(EfakturFile.id.in_(file_ids))
            .group_by(EfakturFile.email_status, superseded)
        ).all()
    }

    def of(status, replaced=None):
        return sum(n for (s, r), n in counts.items() if s == status and (replaced is None or r == replaced))

    return Progress(
        total=len(file_ids),
        sent=of(EMAIL_SENT),
        failed=of(EMAIL_FAILED),
        unknown=of(EMAIL_UNKNOWN),
        waiting=of(EMAIL_READY, False) + of(EMAIL_SENDING, False),
        replaced=of(EMAIL_READY, True) + of(EMAIL_SENDING, True),
    )
