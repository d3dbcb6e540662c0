"""The interface's language (Bahasa Indonesia or English) and the formats that follow it.

Which language a request gets: the one the user chose (kept on the account; before
logging in, in the session), else the browser's preference between the two, else
BABEL_DEFAULT_LOCALE (Indonesian). Catalogues: efaktur/translations (README,
"Translations").
"""
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from flask import appcontext_pushed, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_login import current_user

from efaktur.api import API_BLUEPRINTS
from efaktur.language import lang
from efaktur.rules import clock
from efaktur.rules.money import format_quantity

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
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
    """The current language code, 'id' or 'en': decided once per request (a page asks for it hundreds of
    times, for every number it formats), changed only by in_language()."""
    if not has_app_context():
        return "en"
    code = g.get("_efaktur_language")
    if code is None:
        code = g._efaktur_language = str(get_locale() or DEFAULT_LANGUAGE)
    return code


@contextmanager
def in_language(code: str):
    """Everything inside in `code` (an e-mail in its recipient's language), whatever the request's language."""
    previous = g.get("_efaktur_language")
    with force_locale(code):
        g._efaktur_language = code
        try:
            yield
        finally:
            g._efaktur_language = previous


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


def decimal_mark() -> str:
    """"," (Indonesian) or "." (English): how the reader writes decimals, e.g. of a quantity."""
    return _decimal_symbol(language())


def cents(value) -> str:
    """An amount in cents, with its two decimals: 49.999,50 (Indonesian) or 49,999.50 (English)."""
    whole, rest = divmod(int(value), 100)
    return f"{thousands(whole)}{decimal_mark()}{rest:02d}"


def rupiah(value) -> str:
    """An amount in cents as money: Rp 49.999,50 / Rp 49,999.50."""
    return f"Rp {cents(value)}"


def quantity(value, grouped: bool = True) -> str:
    """1,5 or 1.555 (Indonesian), 1.5 or 1,555 (English); `grouped=False` for a form's field (1555)."""
    whole, _, fraction = format_quantity(Decimal(value)).partition(".")
    whole = thousands(int(whole)) if grouped else whole
    return f"{whole}{decimal_mark()}{fraction}" if fraction else whole


@lru_cache(maxsize=8)
def _month_names(code: str, width: str) -> dict[int, str]:
    return dict(Locale.parse(code).months["format"][width])


def short_date(value: date | datetime) -> str:
    """25 Nov 2026 (Indonesian: 17 Agu 2026)."""
    return f"{value.day} {_month_names(language(), 'abbreviated')[value.month]} {value.year}"


def long_date(value: date | datetime) -> str:
    """25 November 2026 (Indonesian: 17 Agustus 2026)."""
    return f"{value.day} {_month_names(language(), 'wide')[value.month]} {value.year}"


def month_year(value: date) -> str:
    """Nov 2026."""
    return f"{_month_names(language(), 'abbreviated')[value.month]} {value.year}"


def full_month_year(value: date) -> str:
    """November 2026."""
    return f"{_month_names(language(), 'wide')[value.month]} {value.year}"


def month_short(value: date) -> str:
    """Nov."""
    return _month_names(language(), "abbreviated")[value.month]


def local_date(value: datetime | None) -> str:
    """The day of an instant where the company is: 25 Nov 2026."""
    return short_date(clock.local_now(current_app.config["EFAKTUR_TIMEZONE"], value)) if value else ""


def local_time(value: datetime | None, with_date: bool = True) -> str:
    """25 Nov 2026 14.30 WIB (Indonesian) or 25 Nov 2026 14:30 WIB: in the configured zone, with its abbreviation."""
    if value is None:
        return ""
    local = clock.local_now(current_app.config["EFAKTUR_TIMEZONE"], value)
    time = local.strftime("%H.%M" if language() == "id" else "%H:%M")
    zone = local.tzname() or ""
    text = f"{time} {zone}".strip()
    return f"{short_date(local)} {text}" if with_date else text


def _translations():
    """The current language's catalogue, looked up once per request and language (a page asks a hundred times)."""
    if not has_app_context():
        return get_translations()
    cache = g.get("_efaktur_translations")
    if cache is None:
        cache = g._efaktur_translations = {}
    code = language()
    found = cache.get(code)
    if found is None:
        found = cache[code] = get_translations()
    return found


def _gettext(message: str) -> str:
    return _translations().ugettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ungettext(singular, plural, n)


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")  # efaktur/translations (the app's root)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["EFAKTUR_TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    # The pure code's texts in the language of whatever this app is doing (a request, a command, a thread
    # sending mail): its speaker while each of its app contexts is active, through Flask's public signal.
    appcontext_pushed.connect(_start_speaking, app)
    app.teardown_appcontext(_stop_speaking)


WEB_SPEAKER = lang.Speaker(
    translate=_gettext, translate_plural=_ngettext, number=thousands, decimal=decimal, long_date=long_date,
    month_year=full_month_year,
)


def _start_speaking(app, **_) -> None:
    g._efaktur_speaker = lang.speak_with(WEB_SPEAKER)


def _stop_speaking(_exception=None) -> None:
    token = g.pop("_efaktur_speaker", None)
    if token is not None:
        lang.stop_speaking(token)
