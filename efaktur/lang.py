"""Words in the user's language, for the pure code (no Flask here).

The services and domain modules say what they mean in English, marked with `gettext`
(or `ngettext` for counts); the web app installs the translator of the request's
language at start-up (efaktur/i18n.py), so the same call gives Indonesian to an
Indonesian user. Without an app (a script, a unit test of pure code) the English
text is returned, with its values filled in.

`N_` only marks a text for the catalogue (labels in module-level tables); whoever
shows it translates it then, with `gettext(label)`.

Numbers inside messages go through `number()`: 47.818.800 in Indonesian,
47,818,800 in English.
"""
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal

_ENGLISH = (
    lambda message: message,
    lambda singular, plural, n: singular if n == 1 else plural,
    lambda value: f"{int(value):,}",
    lambda value, places: f"{value:,.{places}f}",
    lambda value: f"{value.day} {value.strftime('%B %Y')}",
    lambda value: value.strftime("%B %Y"),
)
_gettext, _ngettext, _number, _decimal, _long_date, _month_year = _ENGLISH
_english_only = ContextVar("english_only", default=False)


def install(gettext_, ngettext_, number_, decimal_, long_date_, month_year_, active: Callable[[], bool]) -> None:
    """The web app's translator and formats for the current request's language, used while `active()`
    says an app is there to ask (else the English text and formats)."""
    global _gettext, _ngettext, _number, _decimal, _long_date, _month_year

    def switch(installed, fallback):
        return lambda *args: installed(*args) if active() and not _english_only.get() else fallback(*args)

    _gettext, _ngettext, _number, _decimal, _long_date, _month_year = (
        switch(installed, fallback)
        for installed, fallback in zip((gettext_, ngettext_, number_, decimal_, long_date_, month_year_), _ENGLISH)
    )


@contextmanager
def in_english():
    """Everything inside in English, whatever the request's language (e.g. the activity log's summary column)."""
    token = _english_only.set(True)
    try:
        yield
    finally:
        _english_only.reset(token)


def number(value: int) -> str:
    """An integer with the language's thousands separator: 47.818.800 / 47,818,800."""
    return _number(value)


def decimal(value: float, places: int = 1) -> str:
    """1,5 / 1.5."""
    return _decimal(value, places)


def long_date(value: date) -> str:
    """25 November 2026 (25 Agustus 2026)."""
    return _long_date(value)


def month_year(value: date) -> str:
    """June 2026 (Juni 2026)."""
    return _month_year(value)


def _shown(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value)
    if isinstance(value, dict) and "t" in value:  # a word of the catalogue, e.g. a status: {"t": "Paid"}
        word = value["t"]
        return gettext(word)
    if isinstance(value, dict) and "months" in value:  # tax periods: {"months": ["2026-05", "2026-06"]}
        first, last = (month_year(date(int(m[:4]), int(m[5:7]), 1)) for m in (value["months"][0], value["months"][-1]))
        return first if first == last else gettext("%(start)s to %(end)s", start=first, end=last)
    if isinstance(value, dict) and "some_of" in value:  # a list named by its first few: see wording.some_of
        from .wording import some_of

        return some_of(value["some_of"], value.get("total"))
    if isinstance(value, dict) and "cents" in value:  # an amount kept in cents: {"cents": 4999950} -> 49.999,50
        return decimal(Decimal(int(value["cents"])) / 100, 2)
    if isinstance(value, dict) and "qty" in value:  # a quantity: {"qty": "1.5"} -> 1,5
        quantity = Decimal(value["qty"])
        return decimal(quantity, max(0, -quantity.normalize().as_tuple().exponent))
    if isinstance(value, dict) and "each" in value:  # messages of their own: {"each": [{"m": ..., values}]}
        return "; ".join(gettext(item["m"], **{k: v for k, v in item.items() if k != "m"}) for item in value["each"])
    return value


def _fill(text: str, values: dict) -> str:
    if not values:
        return text
    return text % {key: _shown(value) for key, value in values.items()}


def gettext(message: str, **values) -> str:
    """`message` in the current language, with %(name)s filled from `values` (integers as numbers)."""
    return _fill(_gettext(str(message)), values)


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    """The singular or plural form for `n` in the current language; %(num)s is `n` as a number."""
    return _fill(_ngettext(singular, plural, n), {"num": n, **values})


def N_(message: str) -> str:  # noqa: N802 (the conventional name pybabel looks for)
    return message


def lazy_gettext(message: str, **values):
    """gettext() when the text is used, not now: for labels and messages defined at import time
    (form fields, module constants), which must follow the language of each request."""
    from babel.support import LazyProxy

    return LazyProxy(gettext, message, enable_cache=False, **values)


def lazy(function, *args):
    """function(*args) when the text is used (e.g. a label built from a translated word)."""
    from babel.support import LazyProxy

    return LazyProxy(function, *args, enable_cache=False)
