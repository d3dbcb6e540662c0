"""The one exception the services raise for a refused change, with messages per form field."""


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
