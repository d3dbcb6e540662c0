"""Company settings, the threshold and the notification addresses."""
from email.utils import parseaddr

from flask import current_app, g

from efaktur.activity.services import current_actor, record
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.language.i18n import LANGUAGES as LANGUAGE_NAMES
from efaktur.language.i18n import local_time
from efaktur.language.lang import N_, gettext
from efaktur.rules import reporting
from efaktur.rules.clock import utc_now
from efaktur.rules.emails import EmailError, parse_email
from efaktur.settings.models import (
    ALERT_DAILY,
    ALERT_EACH,
    SETTINGS_ID,
    CompanySettings,
    NotificationRecipient,
    ThresholdAlert,
)
from efaktur.web.errors import Refused, check_revision


class SettingsRefused(Refused):
    pass


def _default_settings() -> CompanySettings:
    return CompanySettings(
        id=SETTINGS_ID, company_name="", company_npwp="", company_address="", business_location_code="000000",
        threshold_limit=0, threshold_active=False, notification_language="id", revision=0,
        route=reporting.DEFAULT, alert_frequency=ALERT_EACH, sender_name="", sender_email="", reply_to="",
    )


def current_settings() -> CompanySettings:
    """The settings row as stored now (defaults when nothing was saved yet, not written). Its route is what
    company_route() answers for the rest of the request (one read less for a Generate)."""
    settings = db.session.get(CompanySettings, SETTINGS_ID, populate_existing=True) or _default_settings()
    g.company_route = settings.route if settings.route in reporting.ROUTES else reporting.DEFAULT
    return settings


def _settings_for_update() -> CompanySettings:
    settings = db.session.scalars(
        db.select(CompanySettings)
        .where(CompanySettings.id == SETTINGS_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if settings is None:
        settings = _default_settings()
        db.session.add(settings)
    return settings


def _saved(settings: CompanySettings, expected_revision: int | None) -> None:
    """A form of the settings was saved: refused when opened before another save, else counted."""
    check_revision(expected_revision, settings.revision, gettext("Billing Settings"), settings.edited_by,
                   local_time(settings.edited_at))
    settings.revision = (settings.revision or 0) + 1
    settings.edited_by, settings.edited_at = current_actor()[1], utc_now()


def save_threshold(limit: int, active: bool, expected_revision: int | None = None) -> CompanySettings:
    with write_transaction():
        settings = _settings_for_update()
        _saved(settings, expected_revision)
        before = (settings.threshold_limit, settings.threshold_active)
        settings.threshold_limit, settings.threshold_active = limit, active
        record(
            "threshold.saved",
            N_("Threshold Limit %(before)s (%(before_state)s) changed to %(after)s (%(after_state)s)."),
            subject="settings", before=before[0], before_state={"t": N_("active") if before[1] else N_("inactive")},
            after=limit, after_state={"t": N_("active") if active else N_("inactive")},
        )
    return settings


def save_company(name: str, npwp: str, address: str = "", location_code: str = "000000",
                 expected_revision: int | None = None) -> CompanySettings:
    with write_transaction():
        settings = _settings_for_update()
        _saved(settings, expected_revision)
        settings.company_name, settings.company_npwp = name, npwp
        settings.company_address, settings.business_location_code = address, location_code
        record(
            "company.saved",
            N_("Company details set to %(name)s (NPWP %(npwp)s, business location %(location)s)."),
            subject="settings", name=name, npwp=npwp or {"t": N_("none")}, location=location_code,
        )
    return settings


def company_route() -> str:
    """How the company reports (efaktur/reporting.py): desktop, coretax or both; read once per request."""
    if "company_route" not in g:
        route = db.session.scalar(db.select(CompanySettings.route).where(CompanySettings.id == SETTINGS_ID))
        g.company_route = route if route in reporting.ROUTES else reporting.DEFAULT
    return g.company_route


def save_route(route: str) -> CompanySettings:
    """Billing Settings' Reporting route. Invoices numbered from a range keep their number and still go to the
    desktop CSV whichever route is chosen later. One choice, so no revision: it does not make the page's other
    forms stale."""
    if route not in reporting.ROUTES:
        raise SettingsRefused({"route": gettext("Choose one of the routes.")})
    with write_transaction():
        settings = _settings_for_update()
        before = settings.route
        settings.route = route
        g.pop("company_route", None)
        if before != route:
            record("company.route", N_("Reporting route changed from %(before)s to %(after)s."), subject="settings",
                   before={"t": reporting.SHORT_LABELS.get(before, reporting.SHORT_LABELS[reporting.DEFAULT])},
                   after={"t": reporting.SHORT_LABELS[route]})
    return settings


def save_notification_language(language: str, frequency: str | None = None) -> CompanySettings:
    """The language the threshold e-mail (and the test e-mail) goes out in, and how often it may go out."""
    with write_transaction():
        settings = _settings_for_update()
        if settings.notification_language != language:
            settings.notification_language = language
            record("company.notification_language", N_("Set the threshold e-mail's language to %(language)s."),
                   subject="settings", language={"t": LANGUAGE_NAMES[language]})
        if frequency in ALERT_FREQUENCIES and settings.alert_frequency != frequency:
            settings.alert_frequency = frequency
            record("company.alert_frequency", N_("Set the threshold e-mail to go out %(frequency)s."),
                   subject="settings", frequency={"t": ALERT_FREQUENCIES[frequency]})
    return settings


ALERT_FREQUENCIES = {ALERT_EACH: N_("after each Generate"), ALERT_DAILY: N_("at most once a day")}


def save_sender(name: str, email: str, reply_to: str) -> CompanySettings:
    """Who the e-mails come from, and where customers' replies go (each already parsed; empty for none)."""
    with write_transaction():
        settings = _settings_for_update()
        if (settings.sender_name, settings.sender_email, settings.reply_to) != (name, email, reply_to):
            settings.sender_name, settings.sender_email, settings.reply_to = name, email, reply_to
            record("company.sender", N_("Set the e-mails' sender to %(sender)s, Reply-To %(reply_to)s."),
                   subject="settings", sender=f"{name} <{email}>" if name and email else (email or name or "–"),
                   reply_to=reply_to or "–")
    return settings


def sender_of(settings: CompanySettings) -> str | tuple[str, str] | None:
    """The From of every e-mail: the saved name and address (a name alone goes with the server's
    MAIL_DEFAULT_SENDER address), or None for MAIL_DEFAULT_SENDER as it is."""
    address = settings.sender_email
    if not address and settings.sender_name:
        default = current_app.config.get("MAIL_DEFAULT_SENDER")
        address = default[1] if isinstance(default, (tuple, list)) else parseaddr(default or "")[1]
    if not address:
        return None
    return (settings.sender_name, address) if settings.sender_name else address


def recipients() -> list[NotificationRecipient]:
    return list(db.session.scalars(db.select(NotificationRecipient).order_by(NotificationRecipient.email_key)))


def add_recipient(email: str) -> NotificationRecipient:
    try:
        normalized = parse_email(email, smtputf8=current_app.config["EFAKTUR_SMTPUTF8"])
    except EmailError as error:
        raise SettingsRefused({"email": str(error)})
    key = normalized.lower()
    with write_transaction():
        if db.session.scalar(db.select(NotificationRecipient.id).where(NotificationRecipient.email_key == key)):
            raise SettingsRefused({"email": gettext("%(email)s is on the list already.", email=normalized)})
        recipient = NotificationRecipient(email=normalized, email_key=key)
        db.session.add(recipient)
        record("recipient.added", N_("Added %(email)s to the threshold e-mail recipients."), subject="settings",
               email=normalized)
    return recipient


def remove_recipient(recipient_id: int) -> str | None:
    with write_transaction():
        recipient = db.session.get(NotificationRecipient, recipient_id)
        if recipient is None:
            return None
        email = recipient.email
        db.session.delete(recipient)
        record("recipient.removed", N_("Removed %(email)s from the threshold e-mail recipients."), subject="settings",
               email=email)
    return email


def recent_alerts(limit: int = 20) -> list[ThresholdAlert]:
    return list(db.session.scalars(db.select(ThresholdAlert).order_by(ThresholdAlert.id.desc()).limit(limit)))
