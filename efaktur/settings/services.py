"""Company settings, the threshold and the notification addresses."""
from flask import current_app

from ..activity.services import record
from ..errors import Refused
from ..database import write_transaction
from ..emails import EmailError, parse_email
from ..extensions import db
from .models import SETTINGS_ID, CompanySettings, NotificationRecipient, ThresholdAlert


class SettingsRefused(Refused):
    pass


def _default_settings() -> CompanySettings:
    return CompanySettings(
        id=SETTINGS_ID, company_name="", company_npwp="", company_address="", business_location_code="000000",
        threshold_limit=0, threshold_active=False,
    )


def current_settings() -> CompanySettings:
    """The settings row as stored now (defaults when nothing was saved yet, not written)."""
    return db.session.get(CompanySettings, SETTINGS_ID, populate_existing=True) or _default_settings()


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


def save_threshold(limit: int, active: bool) -> CompanySettings:
    with write_transaction():
        settings = _settings_for_update()
        before = (settings.threshold_limit, settings.threshold_active)
        settings.threshold_limit, settings.threshold_active = limit, active
        record(
            "threshold.saved",
            f"Threshold Limit {before[0]:,} ({'active' if before[1] else 'inactive'}) changed to "
            f"{limit:,} ({'active' if active else 'inactive'}).",
            subject="settings",
        )
    return settings


def save_company(name: str, npwp: str, address: str = "", location_code: str = "000000") -> CompanySettings:
    with write_transaction():
        settings = _settings_for_update()
        settings.company_name, settings.company_npwp = name, npwp
        settings.company_address, settings.business_location_code = address, location_code
        record(
            "company.saved",
            f"Company details set to {name} (NPWP {npwp or 'none'}, business location {location_code}).",
            subject="settings",
        )
    return settings


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
            raise SettingsRefused({"email": f"{normalized} is on the list already."})
        recipient = NotificationRecipient(email=normalized, email_key=key)
        db.session.add(recipient)
        record("recipient.added", f"Added {normalized} to the threshold e-mail recipients.", subject="settings")
    return recipient


def remove_recipient(recipient_id: int) -> str | None:
    with write_transaction():
        recipient = db.session.get(NotificationRecipient, recipient_id)
        if recipient is None:
            return None
        email = recipient.email
        db.session.delete(recipient)
        record("recipient.removed", f"Removed {email} from the threshold e-mail recipients.", subject="settings")
    return email


def recent_alerts(limit: int = 20) -> list[ThresholdAlert]:
    return list(db.session.scalars(db.select(ThresholdAlert).order_by(ThresholdAlert.id.desc()).limit(limit)))
