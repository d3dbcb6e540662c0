"""The one exception the services raise for a refused change, with messages per form field."""
from efaktur.language.lang import gettext


class Refused(ValueError):
    """A change was refused and nothing was written; ``errors`` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def apply_field_errors(form, errors: dict[str, str], fallback: str) -> None:
    """Put a service's refusal on the form fields it names (or on `fallback`)."""
    for name, message in errors.items():
        field = getattr(form, name, None) or getattr(form, fallback)
        field.errors = list(field.errors) + [message]


class StaleEdit(Refused):
    """Someone saved the same record after this form was opened: nothing of this form is saved.

    The form is shown again as typed, now carrying the record's current revision, so that saving
    again replaces the other person's changes on purpose, never by accident.
    """

    def __init__(self, message: str, current_revision: int):
        super().__init__({"revision": message})
        self.current_revision = current_revision


def check_revision(expected: int | None, current: int, what: str, who: str | None, when: str) -> None:
    """Refuse a save from a form opened at revision `expected` of a record now at `current` (None: no form,
    e.g. the API or the shell, which send whole values and are not checked)."""
    if expected is not None and expected != current:
        raise StaleEdit(gettext("%(what)s was changed by %(who)s at %(when)s while this form was open, so your changes "
                                "are not saved yet. Save again to put yours in their place, or close the form and open "
                                "it again to see theirs.", what=what, who=who or gettext("someone"), when=when), current)


def apply_refusal(form, refused: Refused, fallback: str) -> None:
    """A service's refusal on the form; a stale one also moves the form to the record's current revision
    (so that saving again is a choice made knowing of the other save)."""
    apply_field_errors(form, refused.errors, fallback)
    if isinstance(refused, StaleEdit):
        form.revision.data = str(refused.current_revision)


def parse_revision(text: str | None) -> int | None:
    """A form's hidden revision: a small whole number, or None when the form has none (an old page)."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
