"""The threshold e-mail: re-checked inside every Generate request, after its numbers are committed.

The count is read again from the database at that moment, never taken from before the
commit, so two generate requests running at once each judge what their own commit left.
The e-mail goes out synchronously (Flask-Mail) within MAIL_TIMEOUT; whatever the mail
server does, the numbers stay generated and the outcome is recorded.
"""
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, render_template, url_for
from flask_mail import Message

from efaktur.activity.services import current_actor, record
from efaktur.app_clock import app_timezone, current_year, local_today, now
from efaktur.database import write_transaction
from efaktur.extensions import db, mail
from efaktur.language.i18n import in_language
from efaktur.language.lang import N_, gettext, lazy_gettext, ngettext
from efaktur.numbers.models import NumberRange
from efaktur.numbers.outlook import last_30_days, used_since
from efaktur.numbers.services import year_count
from efaktur.rules import reporting
from efaktur.settings.models import (
    ALERT_DAILY,
    OUTCOME_FAILED,
    OUTCOME_NOT_SENT,
    OUTCOME_PARTIAL,
    OUTCOME_SENT,
    ThresholdAlert,
)
from efaktur.settings.services import current_settings, recipients, sender_of
from efaktur.settings.threshold import estimate_run_out, threshold_reached

log = logging.getLogger(__name__)

NO_RECIPIENTS = N_("No Notification Email is listed: add the addresses to warn on Billing Settings.")
NO_MAIL_SERVER = N_("This installation cannot send e-mail yet: ask whoever runs efaktur to set up the mail server "
                    "(Configuration in the README), then check it with Send test e-mail on Billing Settings.")
STAFF_FAILURE = lazy_gettext("The threshold e-mail could not be delivered to every address; an admin can see why on "
                             "Billing Settings.")


@dataclass(frozen=True)
class AlertReport:
    outcome: str
    detail: str
    recipients: list[str]
    year: int
    available: int
    limit: int

    @property
    def failed(self) -> bool:
        return self.outcome == OUTCOME_FAILED

    def said(self) -> tuple[str, dict]:
        """(the catalogue's message, its values): for the person who generated and the activity log."""
        params = {"year": str(self.year), "available": self.available, "limit": self.limit,
                  "count": len(self.recipients), "detail": self.detail}
        if self.detail in (NO_RECIPIENTS, NO_MAIL_SERVER):
            params["detail"] = {"t": self.detail}
        if self.outcome == OUTCOME_SENT:
            return N_("Available numbers for %(year)s are at %(available)s (limit %(limit)s): the threshold e-mail "
                      "went "
                      "to %(count)s address(es)."), params
        if self.outcome == OUTCOME_PARTIAL:
            return N_("The numbers are generated; the threshold e-mail reached some addresses but not all: "
                      "%(detail)s. "
                      "Check those addresses on Billing Settings."), params
        if self.outcome == OUTCOME_FAILED:
            return N_("The numbers are generated, but the threshold alert e-mail failed: %(detail)s. "
                      "Check the mail set-up with Send test e-mail on Billing Settings."), params
        return N_("Available numbers for %(year)s are at %(available)s (limit %(limit)s); no e-mail was sent: "
                  "%(detail)s"), params

    def user_message(self, for_admin: bool = True) -> str:
        """The sentence for the person who generated; the mail server's own words for admins only."""
        if self.outcome in (OUTCOME_FAILED, OUTCOME_PARTIAL) and not for_admin:
            return gettext("The numbers are generated.") + " " + str(STAFF_FAILURE)
        message, params = self.said()
        return gettext(message, **params)

    def detail_text(self) -> str:
        """The detail in the reader's language (the reasons the app gives are translated; a mail server's are not)."""
        return gettext(self.detail) if self.detail in (NO_RECIPIENTS, NO_MAIL_SERVER) else self.detail


def _reached(settings) -> tuple[int, int] | None:
    """(the current year, its available numbers) when an active threshold is reached; else None. Never for a
    Coretax-only company: it holds no range, so there is nothing to run out of."""
    if not settings.threshold_active or not reporting.uses_ranges(settings.route or reporting.DEFAULT):
        return None
    year = current_year()
    available = year_count(year).available
    return (year, available) if threshold_reached(True, settings.threshold_limit, available) else None


def threshold_warning() -> str | None:
    """The Invoices page's warning, in the threshold e-mail's words, while this year's numbers are at
    or below an active threshold; None otherwise."""
    settings = current_settings()
    reached = _reached(settings)
    if reached is None:
        return None
    year, available = reached
    return ngettext("Available number reached threshold limit: %(num)s E-Faktur number left for %(year)s, at or "
                    "below "
                    "the Threshold Limit of %(limit)s. Request new numbers from the tax office (e-Nofa) in time, then "
                    "add them with + Tax Number.",
                    "Available number reached threshold limit: %(num)s E-Faktur numbers left for %(year)s, at or below "
                    "the Threshold Limit of %(limit)s. Request new numbers from the tax office (e-Nofa) in time, then "
                    "add them with + Tax Number.", available, year=str(year), limit=settings.threshold_limit)


def recheck_after_generate(settings=None) -> AlertReport | None:
    """Call after the generate transaction has committed. None when no alert is due.

    `settings` may be read before generating (it saves a query when the threshold is off);
    the available count is always read here, after the commit.
    """
    settings = settings or current_settings()
    reached = _reached(settings)  # a fresh read of the count, after the commit
    if reached is None:
        return None
    year, available = reached
    if settings.alert_frequency == ALERT_DAILY and _sent_today():
        return None  # Billing Settings: at most one alert a day, and today's went out
    emails = [r.email for r in recipients()]
    outcome, detail = OUTCOME_SENT, ""
    if not emails:
        outcome, detail = OUTCOME_NOT_SENT, NO_RECIPIENTS
    elif not current_app.config.get("MAIL_SERVER"):
        outcome, detail = OUTCOME_NOT_SENT, NO_MAIL_SERVER
    else:
        # One message per address: nobody sees the others, and a refused address fails alone.
        results = mail.send_each_within_deadline(_messages(settings, year, available, emails))
        failures = [(email, error) for email, error in zip(emails, results) if error is not None]
        if failures:
            reasons = {f"{type(error).__name__}: {error}" for _, error in failures}
            if len(failures) == len(emails) and len(reasons) == 1:
                outcome, detail = OUTCOME_FAILED, reasons.pop()
            else:
                outcome = OUTCOME_FAILED if len(failures) == len(emails) else OUTCOME_PARTIAL
                detail = "; ".join(f"{email}: {type(error).__name__}: {error}" for email, error in failures)
    report = AlertReport(outcome, detail, emails, year, available, settings.threshold_limit)
    _record(report)
    return report


def _sent_today() -> bool:
    """Whether a threshold e-mail reached someone since midnight of the company's day."""
    midnight = datetime.combine(local_today(), time(), ZoneInfo(app_timezone()))
    return db.session.scalar(
        db.select(ThresholdAlert.id).where(ThresholdAlert.at >= midnight,
                                           ThresholdAlert.outcome.in_((OUTCOME_SENT, OUTCOME_PARTIAL))).limit(1)
    ) is not None


def _record(report: AlertReport) -> None:
    level = logging.INFO if report.outcome == OUTCOME_SENT else logging.WARNING
    log.log(level, "threshold alert %s for %s (available %s, limit %s): %s", report.outcome, report.year,
            report.available, report.limit, report.detail or ", ".join(report.recipients))
    user_id, _ = current_actor()
    with write_transaction():
        db.session.add(
            ThresholdAlert(
                at=now(),  # the app's clock, as "today" of the daily rule
                year=report.year,
                available=report.available,
                threshold_limit=report.limit,
                recipients=", ".join(report.recipients),
                outcome=report.outcome,
                detail=report.detail,
                user_id=user_id,
            )
        )
        message, params = report.said()
        record("threshold.alert", message, subject="settings", **params)


def pace(year: int) -> int:
    """Numbers of the year's ranges handed out in the last 30 days (today and the 29 before)."""
    return used_since(year, last_30_days(local_today()))


def _page_url() -> str | None:
    """The E-Faktur No page at the configured public address; never from the request's Host header."""
    base = current_app.config.get("EFAKTUR_PUBLIC_URL")
    return base.rstrip("/") + url_for("numbers.index") if base else None


def _messages(settings, year: int, available: int, emails: list[str]) -> list[Message]:
    """One message per address, from one rendering, in the language set on Billing Settings."""
    with in_language(settings.notification_language or "id"):
        return _rendered_messages(settings, year, available, emails)


def _rendered_messages(settings, year: int, available: int, emails: list[str]) -> list[Message]:
    today = local_today()
    ranges = list(
        db.session.scalars(db.select(NumberRange).where(NumberRange.year == year).order_by(NumberRange.start_number))
    )
    estimate = estimate_run_out(available, pace(year), today)
    context = {
        "company": settings.company_name or gettext("your company"),
        "year": year,
        "available": available,
        "limit": settings.threshold_limit,
        "ranges": ranges,
        "estimate": estimate.describe(date(year, 12, 31)),
        "page_url": _page_url(),
    }
    subject = gettext("Available number reached threshold limit: %(available)s left for %(year)s (limit %(limit)s)",
                      available=available, year=str(year), limit=settings.threshold_limit)
    body, html = render_template("email/threshold.txt", **context), render_template("email/threshold.html", **context)
    sender = sender_of(settings)
    return [Message(subject=subject, recipients=[email], body=body, html=html, sender=sender) for email in emails]


@dataclass(frozen=True)
class TestEmailReport:
    ok: bool
    message: str  # for the page: what happened and, when it failed, what to do
    detail: str = ""  # the mail server's own words (admins only see this page)


def send_test_email() -> TestEmailReport:
    """Billing Settings' Send test e-mail: one short message to each Notification Email, now, through the
    configured mail server; the outcome in plain words."""
    emails = [r.email for r in recipients()]
    if not emails:
        return TestEmailReport(False, gettext(NO_RECIPIENTS))
    if not current_app.config.get("MAIL_SERVER"):
        return TestEmailReport(False, gettext(NO_MAIL_SERVER))
    settings = current_settings()
    messages = []
    with in_language(settings.notification_language or "id"):  # the language the alerts will come in
        subject = gettext("efaktur test e-mail: threshold alerts reach this address")
        body = gettext("This is a test from efaktur for %(company)s.\n\nWhen the available E-Faktur numbers of the "
                       "current year fall to the Threshold Limit, the alert comes to this address the same way. "
                       "Nothing needs doing.\n", company=settings.company_name or gettext("your company"))
    for email in emails:
        messages.append(Message(subject=subject, recipients=[email], body=body, sender=sender_of(settings),
                                reply_to=settings.reply_to or None))
    results = mail.send_each_within_deadline(messages)
    failures = [(email, error) for email, error in zip(emails, results) if error is not None]
    log.info("test e-mail to %s: %s", ", ".join(emails), "sent" if not failures else failures)
    if not failures:
        return TestEmailReport(True, gettext("Test e-mail sent to %(emails)s. Ask them to check their inbox (and "
                                             "spam "
                                             "folder).", emails=", ".join(emails)))
    detail = "; ".join(f"{email}: {type(error).__name__}: {error}" for email, error in failures)
    if len(failures) == len(emails):
        return TestEmailReport(False, gettext("The test e-mail could not be sent. Check the mail server settings "
                                              "with "
                                              "whoever runs efaktur; the server said:"), detail)
    return TestEmailReport(False, gettext("Sent to %(sent)s of %(total)s addresses; these were refused (check them "
                                          "for "
                                          "typing mistakes):", sent=len(emails) - len(failures), total=len(emails)), detail)
