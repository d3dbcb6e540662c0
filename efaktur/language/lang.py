"""Words in the user's language, for the pure code (no Flask here).

The services and domain modules say what they mean in English, marked with `gettext`
(or `ngettext` for counts). Who says it is a `Speaker` held in a context variable: the web
app sets its own (the request's language, efaktur/language/i18n.py) for as long as one of its
app contexts is active, so the same call gives Indonesian to an Indonesian user. Without an
app (a script, a unit test of pure code) the English text is returned, with its values filled in.

`N_` only marks a text for the catalogue (labels in module-level tables); whoever
shows it translates it then, with `gettext(label)`.

Numbers inside messages go through `number()`: 47.818.800 in Indonesian,
47,818,800 in English.
"""
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.support import LazyProxy


@dataclass(frozen=True)
class Speaker:
    """How texts and numbers are said: the catalogue's lookups and the language's formats."""

    translate: Callable[[str], str]
    translate_plural: Callable[[str, str, int], str]
    number: Callable[[int], str]
    decimal: Callable[[float, int], str]
    long_date: Callable[[date], str]
    month_year: Callable[[date], str]


ENGLISH = Speaker(
    translate=lambda message: message,
    translate_plural=lambda singular, plural, n: singular if n == 1 else plural,
    number=lambda value: f"{int(value):,}",
    decimal=lambda value, places: f"{value:,.{places}f}",
    long_date=lambda value: f"{value.day} {value.strftime('%B %Y')}",
    month_year=lambda value: value.strftime("%B %Y"),
)
# Who speaks in the current context: English unless the web app says otherwise for the time of one of
# its app contexts (efaktur/language/i18n.py sets it when one is pushed and resets it when it is popped).
_speaker: ContextVar[Speaker] = ContextVar("efaktur_speaker", default=ENGLISH)
_english_only = ContextVar("english_only", default=False)


def speak_with(speaker: Speaker) -> Token:
    """From now on in this context, `speaker` says the texts; hand the token to `stop_speaking`."""
    return _speaker.set(speaker)


def stop_speaking(token: Token) -> None:
    try:
        _speaker.reset(token)
    except ValueError:  # set in another context (a thread that outlived its request): that one ends with it
        pass


def _current() -> Speaker:
    return ENGLISH if _english_only.get() else _speaker.get()


def translate(message: str) -> str:
    """The catalogue's text for `message` in the current language, values not filled in (WTForms fills its own)."""
    return _current().translate(str(message))


def translate_plural(singular: str, plural: str, n: int) -> str:
    return _current().translate_plural(singular, plural, n)


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
    return _current().number(value)


def decimal(value: float, places: int = 1) -> str:
    """1,5 / 1.5."""
    return _current().decimal(value, places)


def long_date(value: date) -> str:
    """25 November 2026 (25 Agustus 2026)."""
    return _current().long_date(value)


def month_year(value: date) -> str:
    """June 2026 (Juni 2026)."""
    return _current().month_year(value)


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
    return _fill(translate(message), values)


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    """The singular or plural form for `n` in the current language; %(num)s is `n` as a number."""
    return _fill(translate_plural(singular, plural, n), {"num": n, **values})


def N_(message: str) -> str:  # noqa: N802 (the conventional name pybabel looks for)
    return message


def lazy_gettext(message: str, **values):
    """gettext() when the text is used, not now: for labels and messages defined at import time
    (form fields, module constants), which must follow the language of each request."""
    return LazyProxy(gettext, message, enable_cache=False, **values)


def lazy(function, *args):
    """function(*args) when the text is used (e.g. a label built from a translated word)."""
    return LazyProxy(function, *args, enable_cache=False)


SHOWN = 5


def some_of(names: list[str], total: int | None = None, shown: int = SHOWN) -> str:
    """"INV-1, INV-2, INV-3, INV-4, INV-5 and 7 more": the first few names and how many more of `total`."""
    total = len(names) if total is None else total
    listed = names[:shown]
    more = total - len(listed)
    if more > 0:
        return gettext("%(names)s and %(more)s more", names=", ".join(listed), more=more)
    return ", ".join(listed)


def counted(count: int, one: str, many: str) -> str:
    """"1 range", "2 ranges", "1,234 E-Faktur files": a count with the word that goes with it."""
    return f"{number(count)} {one if count == 1 else many}"
