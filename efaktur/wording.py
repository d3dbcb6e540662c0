"""Small pieces of the sentences the app says to people. Pure: no Flask."""
from .lang import gettext, number

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
