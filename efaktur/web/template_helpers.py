"""What templates can call: filters for numbers, money and dates in the reader's language, and globals."""
import re

from flask import Flask, has_request_context
from markupsafe import Markup, escape

from efaktur.auth.models import ROLE_LABELS
from efaktur.invoices import coretax
from efaktur.invoices.numbering import is_numberable
from efaktur.language import i18n
from efaktur.language.lang import gettext, some_of
from efaktur.rules import reporting
from efaktur.rules.amounts import VAT_LABEL, VAT_LABELS
from efaktur.rules.facilities import facility_label
from efaktur.rules.goods import LINE_KINDS, unit_name
from efaktur.rules.identity import BUYER_DOCUMENTS, countries, format_npwp
from efaktur.rules.ids import compact_ids
from efaktur.rules.nsfp import format_nsfp
from efaktur.settings.services import company_route
from efaktur.web.helpers import is_htmx

# A word of letters and digits joined by - . / with at least one digit: an E-Faktur No, an invoice number.
_NUMBER_TOKEN = re.compile(r"(?<![\w&#;])(?=[\w./-]*\d)[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)+")


def register(app: Flask) -> None:

    app.jinja_env.filters["nsfp"] = format_nsfp
    app.jinja_env.filters["compact_ids"] = compact_ids
    app.jinja_env.filters["npwp"] = format_npwp
    app.jinja_env.globals.update(
        line_kinds=LINE_KINDS,
        unit_name=lambda code: unit_name(code, i18n.language()),
        country_name=lambda code: countries(i18n.language()).get(code, code),
    )

    @app.context_processor
    def fragment():
        """`fragment`: this request is htmx's, so a form's template answers as its dialog, not as a page
        (templates/_macros/modal.html). A view may say otherwise by passing it."""
        return {"fragment": has_request_context() and is_htmx()}

    @app.template_global("hidden_fields")
    def hidden_fields(form):
        """A form's hidden fields (the CSRF token among them) without ids: a page holding several forms
        would otherwise have several elements with id="csrf_token"."""
        return Markup("").join(f(id=False) for f in form if f.type in ("HiddenField", "CSRFTokenField"))

    app.jinja_env.filters.update(
        thousands=i18n.thousands,  # 47.818.800 / 47,818,800
        counted=lambda count: i18n.thousands(count[0]) + ("+" if count[1] else ""),  # (10000, True): 10.000+
        money=i18n.money,  # Rp 47.818.800
        cents=i18n.cents,  # 49.999,50 (an amount kept in cents)
        rupiah=i18n.rupiah,  # Rp 49.999,50
        quantity=i18n.quantity,  # 1,5 / 1.5
        shortdate=i18n.short_date,  # 25 Nov 2026 (no leading zero)
        longdate=i18n.long_date,  # 25 November 2026
        monthyear=i18n.month_year,  # Nov 2026
        fullmonthyear=i18n.full_month_year,  # November 2026
        monthshort=i18n.month_short,  # Nov
        localtime=i18n.local_time,  # 25 Nov 2026 14.30 WIB
        localdate=i18n.local_date,  # 25 Nov 2026, the day where the company is
    )
    app.jinja_env.globals["vat_label"] = lambda code: gettext(VAT_LABELS.get(code, VAT_LABEL))
    app.jinja_env.globals["facility_label"] = lambda code, value: facility_label(code, value, i18n.language())

    app.jinja_env.globals.update(company_route=company_route, uses_ranges=lambda: reporting.uses_ranges(company_route()),
                                 uses_coretax=lambda: reporting.uses_coretax(company_route()),
                                 threshold_not_applied=reporting.THRESHOLD_NOT_APPLIED)

    app.jinja_env.globals.update(coretax_state=coretax.state_label, coretax_bucket=coretax.bucket_of,
                                 coretax_event_state=coretax.event_state_label, coretax_source=coretax.source_label,
                                 coretax_bucket_labels=coretax.BUCKET_LABELS)
    app.jinja_env.globals["some_of"] = some_of  # "INV-1, INV-2 and 3 more"
    app.jinja_env.globals["numberable"] = is_numberable  # the tick box: invoices/numbering.py's rule
    app.jinja_env.globals.update(languages=i18n.LANGUAGES, current_language=i18n.language, decimal=i18n.decimal,
                                 role_labels=ROLE_LABELS, buyer_documents=BUYER_DOCUMENTS)

    @app.template_global("app_words")
    def app_words():
        """What static/app.js writes on screen, in the reader's language ({name} is filled in by the script)."""
        return {
            "downloaded_one": gettext("Downloaded {file} ({count} invoice)."),
            "downloaded_many": gettext("Downloaded {file} ({count} invoices)."),
            "downloaded": gettext("Downloaded {file}."),
            "export_refused": gettext("The server answered {status}. Nothing was exported."),
            "download_failed": gettext("The download failed (the connection broke off). Nothing was marked Exported; "
                                       "try again."),
            "refused": gettext("The server answered {status}. Nothing was changed."),
            "unreachable": gettext("The server cannot be reached. Check the connection and try again."),
            "discard_question": gettext("Close without saving? What you typed in this form is lost."),
            "idle_question": gettext("You will be logged out in about {minutes} min without activity. Stay logged "
                                     "in?"),
            "idle_stay": gettext("Stay logged in"),
        }

    @app.template_filter("keep_numbers_whole")
    def keep_numbers_whole(text):
        """`text` (escaped) with every number people read and copy (010.000-26.00000006, INV-2026-000020) kept on
        one line: a line may break around it, never inside it."""
        escaped = str(escape(text))
        return Markup(_NUMBER_TOKEN.sub(lambda m: f'<span class="nowrap-number">{m.group(0)}</span>', escaped))

    @app.template_filter("wrap")
    def wrap(value, tag, **attributes):
        """`value` (escaped) inside an element, to put into a translated sentence: `count | wrap("strong")`,
        `number | wrap("span", class_="mono")`. The sentence is translated whole; its parts keep their markup."""
        attrs = Markup("").join(Markup(' {}="{}"').format(name.rstrip("_"), value) for name, value in attributes.items())
        return Markup("<{tag}{attrs}>{value}</{tag}>").format(tag=tag, attrs=attrs, value=value)

    @app.template_filter("compact")
    def compact(value):
        """A count in at most a few characters, for a chart: 950, 1.2k, 35k, 1.2M (Indonesian: 1,2 rb, 35 rb, 1,2 jt)."""
        value = int(value)
        indonesian = i18n.language() == "id"
        for size, suffix in ((10**6, " jt" if indonesian else "M"), (10**3, " rb" if indonesian else "k")):
            if value >= size:
                short = value / size
                text = f"{short:.1f}".removesuffix(".0") if short < 10 else str(round(short))
                return (text.replace(".", ",") if indonesian else text) + suffix
        return str(value)
