"""Billing Settings page and the Setting Threshold modal (admins only)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from efaktur.language.lang import gettext
from efaktur.settings.alerts import send_test_email
from efaktur.settings.forms import (
    CompanyForm,
    NotificationLanguageForm,
    RecipientForm,
    RouteForm,
    SenderForm,
    ThresholdForm,
)
from efaktur.settings.services import (
    SettingsRefused,
    add_recipient,
    current_settings,
    recent_alerts,
    recipients,
    remove_recipient,
    save_company,
    save_notification_language,
    save_route,
    save_sender,
    save_threshold,
)
from efaktur.web.errors import Refused, apply_field_errors, apply_refusal, parse_revision
from efaktur.web.events import THRESHOLD_SAVED
from efaktur.web.helpers import admin_required, is_htmx, success_response

bp = Blueprint("settings", __name__, url_prefix="/settings")



@bp.route("/threshold", methods=["GET", "POST"])
@admin_required
def threshold():
    settings = current_settings()
    form = ThresholdForm()
    if request.method == "GET":
        form.threshold_limit.data = str(settings.threshold_limit)
        form.active.data = settings.threshold_active
        form.revision.data = str(settings.revision or 0)
    elif form.validate_on_submit():
        try:
            save_threshold(form.threshold_limit.parsed, form.active.data, parse_revision(form.revision.data))
        except Refused as refused:
            apply_refusal(form, refused, "threshold_limit")
            template = "settings/threshold_form.html"
            return render_template(template, form=form), 422
        if form.active.data:
            message = gettext("Threshold saved: %(limit)s, active: an e-mail goes out when this year's available numbers "
                              "fall to it.", limit=form.threshold_limit.parsed)
        else:
            message = gettext("Threshold saved: %(limit)s, inactive: no e-mail is sent.", limit=form.threshold_limit.parsed)
        return success_response(message, url_for("numbers.index"), (THRESHOLD_SAVED,))
    template = "settings/threshold_form.html"
    return render_template(template, form=form), (422 if form.errors else 200)


def _billing_context(recipient_form=None, company_form=None, language_form=None, route_form=None, sender_form=None):
    settings = current_settings()
    if route_form is None:
        route_form = RouteForm(formdata=None, route=settings.route)
    if company_form is None:
        company_form = CompanyForm(
            formdata=None,
            company_name=settings.company_name,
            company_npwp=settings.company_npwp,
            company_address=settings.company_address,
            business_location_code=settings.business_location_code,
            revision=str(settings.revision or 0),
        )
    return {
        "settings": settings,
        "recipients": recipients(),
        "recipient_form": recipient_form or RecipientForm(formdata=None),
        "language_form": language_form or NotificationLanguageForm(formdata=None,
                                                                   notification_language=settings.notification_language,
                                                                   alert_frequency=settings.alert_frequency),
        "sender_form": sender_form or SenderForm(formdata=None, sender_name=settings.sender_name,
                                                 sender_email=settings.sender_email, reply_to=settings.reply_to),
        "company_form": company_form,
        "route_form": route_form,
        "alerts": recent_alerts(),
    }


@bp.get("/billing")
@admin_required
def billing():
    return render_template("settings/billing.html", **_billing_context())


def _recipients_response(form, status=200, test_email=None, language_form=None):
    context = _billing_context(recipient_form=form, language_form=language_form)
    context["test_email"] = test_email
    if is_htmx():
        return render_template("settings/_partials/recipients.html", **context), status
    if status != 200 or test_email is not None:
        return render_template("settings/billing.html", **context), status
    return redirect(url_for("settings.billing"), code=303)


@bp.post("/recipients")
@admin_required
def add_recipient_view():
    form = RecipientForm()
    if form.validate_on_submit():
        try:
            add_recipient(form.email.data)
        except SettingsRefused as refused:
            apply_field_errors(form, refused.errors, "email")
        else:
            return _recipients_response(RecipientForm(formdata=None))
    return _recipients_response(form, 422)


@bp.post("/recipients/<int:recipient_id>/delete")
@admin_required
def remove_recipient_view(recipient_id: int):
    remove_recipient(recipient_id)  # already gone: the list shows the truth either way
    return _recipients_response(RecipientForm(formdata=None))


@bp.post("/notification-language")
@admin_required
def notification_language():
    """The threshold e-mail's language (Bahasa Indonesia by default)."""
    form = NotificationLanguageForm()
    if form.validate_on_submit():
        save_notification_language(form.notification_language.data, form.alert_frequency.data)
        return _recipients_response(RecipientForm(formdata=None))
    return _recipients_response(RecipientForm(formdata=None), 422, language_form=form)


@bp.post("/sender")
@admin_required
def sender():
    """The e-mails' sender name and address, and the Reply-To of the customers' e-mails."""
    form = SenderForm()
    saved = form.validate_on_submit()
    if saved:
        save_sender((form.sender_name.data or "").strip(), form.sender_email.parsed, form.reply_to.parsed)
        if not is_htmx():
            flash(gettext("E-mail sender saved."))
            return redirect(url_for("settings.billing"), code=303)
        form = None
    context = _billing_context(sender_form=form)
    if is_htmx():
        return render_template("settings/_partials/sender_form.html", saved=saved, **context), (200 if saved else 422)
    return render_template("settings/billing.html", **context), 422


@bp.post("/test-email")
@admin_required
def test_email():
    """Send test e-mail: checks the mail set-up with the listed addresses and shows the outcome in place."""
    report = send_test_email()
    return _recipients_response(RecipientForm(formdata=None), 200, report)


@bp.post("/company")
@admin_required
def company():
    form = CompanyForm()
    saved = False
    if form.validate_on_submit():
        try:
            save_company(form.company_name.data.strip(), form.company_npwp.digits,
                         (form.company_address.data or "").strip(), form.business_location_code.parsed,
                         parse_revision(form.revision.data))
        except Refused as refused:
            apply_refusal(form, refused, "company_name")
        else:
            saved = True
    if saved:
        if not is_htmx():
            flash(gettext("Company details saved."))
            return redirect(url_for("settings.billing"), code=303)
        form = None
    context = _billing_context(company_form=form)
    if is_htmx():
        return render_template("settings/_partials/company_form.html", saved=saved, **context), (200 if saved else 422)
    return render_template("settings/billing.html", **context), 422


@bp.post("/route")
@admin_required
def route():
    """Reporting route: e-Faktur desktop (ranges), Coretax, or both."""
    form = RouteForm()
    saved = False
    if form.validate_on_submit():
        try:
            save_route(form.route.data)
        except Refused as refused:
            apply_refusal(form, refused, "route")
        else:
            saved = True
    if saved:
        if not is_htmx():
            flash(gettext("Reporting route saved."))
            return redirect(url_for("settings.billing"), code=303)
        form = None
    context = _billing_context(route_form=form)
    if is_htmx():
        return render_template("settings/_partials/route_form.html", saved=saved, **context), (200 if saved else 422)
    return render_template("settings/billing.html", **context), 422
