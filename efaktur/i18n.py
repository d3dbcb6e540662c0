"""The interface's language (Bahasa Indonesia or English) and the formats that follow it.

Which language a request gets: the one the user chose (kept on the account; before
logging in, in the session), else the browser's preference between the two, else
BABEL_DEFAULT_LOCALE (Indonesian). Catalogues: efaktur/translations (README,
"Translations").
"""
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

from . import clock, form_messages, lang

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
API_BLUEPRINTS = {"api_v1", "api-docs", "api_reference"}
DEFAULT_LANGUAGE = "id"

babel = Babel()


def parse_language(value: str | None) -> str | None:
    """One of LANGUAGES, or None."""
    return value if value in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():  # the command line speaks English, like its documentation
        return "en"
    if request.blueprint in API_BLUEPRINTS:  # billing systems: English unless they ask for Indonesian
        return request.accept_languages.best_match(list(LANGUAGES)) or "en"
    if current_user and current_user.is_authenticated and parse_language(getattr(current_user, "language", None)):
        return current_user.language
    chosen = parse_language(session.get("language"))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or current_app.config.get("BABEL_DEFAULT_LOCALE",
                                                                                          DEFAULT_LANGUAGE)


def select_timezone() -> str:
    return current_app.config["EFAKTUR_TIMEZONE"]


def language() -> str:
    """The current language code: 'id' or 'en'."""
    return str(get_locale() or DEFAULT_LANGUAGE)


@lru_cache(maxsize=8)
def _group_symbol(code: str) -> str:
    return Locale.parse(code).number_symbols["latn"]["group"]


@lru_cache(maxsize=8)
def _decimal_symbol(code: str) -> str:
    return Locale.parse(code).number_symbols["latn"]["decimal"]


def thousands(value) -> str:
    """47.818.800 (Indonesian) or 47,818,800 (English)."""
    return f"{int(value):,}".replace(",", _group_symbol(language()))


def decimal(value, places: int = 2) -> str:
    """1.234,50 (Indonesian) or 1,234.50 (English)."""
    text = f"{value:,.{places}f}"
    code = language()
    return text.translate(str.maketrans({",": _group_symbol(code), ".": _decimal_symbol(code)}))


def money(value) -> str:
    """Rp 47.818.800 / Rp 47,818,800."""
    return f"Rp {thousands(value)}"


def short_date(value: date | datetime) -> str:
    """25 Nov 2026 (Indonesian: 25 Agu 2026)."""
    return format_date(value, "d MMM y", locale=language())


def long_date(value: date | datetime) -> str:
    """25 November 2026 (Indonesian: 25 Agustus 2026)."""
    return format_date(value, "d MMMM y", locale=language())


def month_year(value: date) -> str:
    """Nov 2026."""
    return format_date(value, "MMM y", locale=language())


def local_time(value: datetime | None, with_date: bool = True) -> str:
    """25 Nov 2026 14.30 WIB (Indonesian) or 25 Nov 2026 14:30 WIB: in the configured zone, with its abbreviation."""
    if value is None:
        return ""
    local = clock.local_now(current_app.config["EFAKTUR_TIMEZONE"], value)
    time = format_datetime(local, "HH.mm" if language() == "id" else "HH:mm", locale=language())
    zone = local.tzname() or ""
    text = f"{time} {zone}".strip()
    return f"{short_date(local)} {text}" if with_date else text


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")  # beside this module
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["EFAKTUR_TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    lang.install(lambda message: get_translations().ugettext(message),
                 lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
                 thousands, decimal, long_date, has_app_context)
    form_messages.install()
