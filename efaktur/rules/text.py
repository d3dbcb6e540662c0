"""Plain text typed into forms: what may not be in it. Pure: no Flask.

Names and addresses end up in the tax office's files and e-mails: control characters
(NUL, escape, ...) break them, and bidirectional overrides can make a name read
differently from what it is.
"""
import unicodedata

from efaktur.language.lang import gettext

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_LINE_BREAKS = frozenset("\n\r\t")


def text_problem(value: str | None, multiline: bool = False) -> str | None:
    """Why this text cannot be stored, or None."""
    for char in value or "":
        if multiline and char in _LINE_BREAKS:
            continue
        if char in _BIDI_CONTROLS:
            return gettext("Remove the invisible text-direction characters.")
        if unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029":
            return gettext("Remove the control characters (e.g. line breaks or NUL) from this field.")
    return None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet opens as text, not as a formula: a leading = + - @ (or tab, CR) gets a ' before it
    (OWASP's advice against CSV injection). For files people open, such as the activity log's CSV."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def formula_problem(value: str | None) -> str | None:
    """Why a value cannot go into a file DJP's importer reads: it starts like a spreadsheet formula."""
    if (value or "").lstrip(" ").startswith(FORMULA_STARTS[:4]):
        return gettext("Start it with a letter or digit, not = + - or @: the tax office's import file may be opened "
                       "in a spreadsheet, which would run it as a formula.")
    return None


def text_pattern(required: bool = False, multiline: bool = False) -> str:
    """The same rule as text_problem, as a regular expression for the API's document
    (which also says that a required text is more than spaces)."""
    bad = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069"
    if multiline:
        bad = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f" + bad[len("\\u0000-\\u001f"):]
    if required:
        return f"^[^{bad}]*[^{bad}\\s][^{bad}]*$"
    return f"^[^{bad}]*$"
