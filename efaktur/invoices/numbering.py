"""Which invoices Generate may number: the rule, once, as a query filter and a predicate side by side.

An invoice takes an E-Faktur No from a range when Invoice Tax is on, it is not cancelled, it holds no
number, its transaction code takes a range number (every code but 10, which exists only in Coretax)
and it holds no Coretax number. Each clause is written here once, in both forms: the SQL condition
(the Invoices list, "Tick all N matching", the Export tab's count) and the predicate on a row (the
tick boxes, and numbers/ledger.py, which asks it again under its locks and names what failed).
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import and_

from ..language.lang import N_
from ..numbers.models import NumberAssignment
from ..rules.nsfp import takes_range_number
from .models import STATUS_CANCELLED, Invoice, numberable_terms


def live_number_join():
    """SQL: this assignment is the invoice's E-Faktur No now (not released)."""
    return and_(NumberAssignment.invoice_id == Invoice.id, NumberAssignment.released_at.is_(None))


def holds_a_number():
    """SQL: the invoice holds an E-Faktur No now (the flag the database keeps from the assignments)."""
    return Invoice.holds_number.is_(True)


def lacks_a_number():
    """SQL: the invoice holds no E-Faktur No now."""
    return Invoice.holds_number.is_(False)


@dataclass(frozen=True)
class Clause:
    refusal: str  # what the invoices that fail it "...": the ledger's refusal names them with it
    allows: Callable[[object, bool], bool]  # (invoice row, holds a number now) -> passes
    condition: Callable[[], object]  # the same clause as an SQL condition


_TAX_ON, _NOT_CANCELLED, _NO_NUMBER, _RANGE_CODE, _NO_CORETAX_NUMBER = range(5)  # numberable_terms()' order

CLAUSES = (
    Clause(N_("have Invoice Tax switched off"), lambda invoice, holds: bool(invoice.tax_enabled),
           lambda: numberable_terms()[_TAX_ON]),
    Clause(N_("are cancelled"), lambda invoice, holds: invoice.status != STATUS_CANCELLED,
           lambda: numberable_terms()[_NOT_CANCELLED]),
    Clause(N_("already have an E-Faktur No"), lambda invoice, holds: not holds,
           lambda: numberable_terms()[_NO_NUMBER]),
    Clause(N_("have transaction code 10, which exists only in Coretax and takes no E-Faktur No from a range"),
           lambda invoice, holds: takes_range_number(invoice.transaction_code),
           lambda: numberable_terms()[_RANGE_CODE]),
    Clause(N_("hold a Coretax number already, so they take no E-Faktur No from a range"),
           lambda invoice, holds: not invoice.coretax_number,
           lambda: numberable_terms()[_NO_CORETAX_NUMBER]),
)


def numberable_conditions() -> list:
    """The rule as SQL conditions on Invoice."""
    return [clause.condition() for clause in CLAUSES]


def numberable_apart_from_its_number():
    """SQL: every clause of the rule but "holds no number", as one condition. The ledger reads it with the rows
    it locks and asks the predicates (failing) only of the invoices it fails and of those holding a number: the
    SQL is the same rule, so no other invoice can fail a clause."""
    return and_(*(clause.condition() for position, clause in enumerate(CLAUSES) if position != _NO_NUMBER))


def numberable(query):
    """Of the invoices `query` selects, those Generate can number."""
    return query.where(*numberable_conditions())


def is_numberable(invoice, holds_number: bool) -> bool:
    """The rule as a predicate on an invoice (an ORM object or a row with the same names)."""
    return all(clause.allows(invoice, holds_number) for clause in CLAUSES)


def failing(invoices: Iterable, holding: set[int]) -> list[tuple[str, list[str]]]:
    """Per clause that some of `invoices` fail: its refusal text (untranslated) and their numbers."""
    invoices = list(invoices)
    failures = []
    for clause in CLAUSES:
        bad = [invoice.number for invoice in invoices if not clause.allows(invoice, invoice.id in holding)]
        if bad:
            failures.append((clause.refusal, bad))
    return failures
