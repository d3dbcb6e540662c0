"""Keeping customers: add, edit, find; and the warning for one NPWP under two names.

A customer is where the New Invoice form takes the buyer's fields from; the invoice keeps its own
copy, so editing a customer never changes an invoice already made.
"""
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from efaktur.activity.services import current_actor, record
from efaktur.customers.models import BUYER_FIELDS, Customer
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.language.i18n import local_time
from efaktur.language.lang import N_, gettext
from efaktur.rules.clock import utc_now
from efaktur.rules.identity import format_npwp, name_key, npwp16, npwp_forms, same_name
from efaktur.web.errors import Refused, check_revision

SUGGESTED = 8  # customers offered as the clerk types
COMPARED_NAMES = 50  # names read per NPWP when looking for another spelling


class CustomerRefused(Refused):
    pass


def _name_taken(name: str, exclude_id: int | None = None) -> Customer | None:
    query = db.select(Customer).where(Customer.name_key == name_key(name))
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def customer_named(name: str) -> Customer | None:
    """The customer of this name, whatever its letter case."""
    return _name_taken(name)


def _taken(name: str) -> CustomerRefused:
    return CustomerRefused({"customer_name": gettext("A customer named %(name)s exists already.", name=name)})


def _set(customer: Customer, values: dict) -> None:
    for name, value in values.items():
        setattr(customer, name, value)
    customer.name_key = name_key(customer.name)
    customer.npwp16 = npwp16(customer.npwp) if customer.npwp else ""


def insert_customer(values: dict) -> Customer:
    """A new customer inside the caller's write transaction (New Invoice's "Save as a customer")."""
    existing = _name_taken(values["name"])
    if existing:
        raise _taken(existing.name)
    customer = Customer()
    _set(customer, values)
    db.session.add(customer)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # someone added the same name a moment ago
        raise _taken(values["name"]) from None
    record("customer.created", N_("Added customer %(name)s."), subject=f"customer:{customer.id}", name=customer.name)
    return customer


def add_customer(values: dict) -> Customer:
    with write_transaction():
        return insert_customer(values)


def update_customer(customer_id: int, values: dict, expected_revision: int | None = None) -> tuple[Customer, bool]:
    """Save a customer's new details; returns it and whether anything changed. Invoices keep theirs."""
    with write_transaction():
        customer = db.session.scalars(
            db.select(Customer).where(Customer.id == customer_id).with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if customer is None:
            raise CustomerRefused({"customer_name": gettext("This customer no longer exists.")})
        check_revision(expected_revision, customer.revision, gettext("Customer %(name)s", name=customer.name),
                       customer.edited_by, local_time(customer.edited_at))
        if _name_taken(values["name"], exclude_id=customer.id):
            raise _taken(values["name"])
        changed = [name for name, value in values.items() if getattr(customer, name) != value]
        if not changed:
            return customer, False
        _set(customer, values)
        customer.revision += 1
        customer.edited_by, customer.edited_at = current_actor()[1], utc_now()
        try:
            db.session.flush()
        except IntegrityError:
            raise _taken(values["name"]) from None
        record("customer.edited", N_("Edited customer %(name)s."), subject=f"customer:{customer.id}",
               name=customer.name)
    return customer, True


def searched(q: str | None) -> str:
    """What is typed is searched for as it is: % and _ are letters here, control characters nothing."""
    return " ".join("".join(c for c in (q or "") if c.isprintable()).split())[:100]


def _search_condition(q: str):
    digits = "".join(ch for ch in q if ch.isdigit())
    conditions = [Customer.name_key.contains(name_key(q), autoescape=True), Customer.npwp_name.icontains(q, autoescape=True)]
    if digits and len(digits) >= 3 and not q.strip(digits + ".- "):
        conditions.append(Customer.npwp16.contains(digits, autoescape=True))
        conditions.append(Customer.buyer_document_number.contains(digits, autoescape=True))
    return or_(*conditions)


def customer_query(q: str = ""):
    """Customers by name, those matching `q` (name, NPWP name, NPWP or ID digits) when given."""
    query = db.select(Customer).order_by(Customer.name_key, Customer.id)
    q = searched(q)
    if q:
        query = query.where(_search_condition(q))
    return query


def suggestions(q: str) -> list[Customer]:
    """What the New Invoice form offers as the clerk types a customer's name: names that begin with it first."""
    q = searched(q)
    if not q:
        return []
    starts = Customer.name_key.startswith(name_key(q), autoescape=True)
    query = customer_query(q).order_by(None).order_by(starts.desc(), Customer.name_key, Customer.id)
    return list(db.session.scalars(query.limit(SUGGESTED)))


def other_names_for_npwp(npwp: str, name: str, exclude_customer_id: int | None = None,
                         exclude_invoice_id: int | None = None) -> list[str]:
    """The other names this NPWP is kept under (customers and invoices), when they are not `name` spelt
    another way: one NPWP is one taxpayer, so a second name is most likely a typing mistake."""
    forms = npwp_forms(npwp)
    if not forms or not name.strip():
        return []
    customers = db.select(func.coalesce(func.nullif(Customer.npwp_name, ""), Customer.name)).where(
        Customer.npwp16 == forms[0])
    if exclude_customer_id is not None:
        customers = customers.where(Customer.id != exclude_customer_id)
    invoices = db.select(func.coalesce(func.nullif(Invoice.npwp_name, ""), Invoice.customer_name)).where(
        Invoice.npwp.in_(forms))
    if exclude_invoice_id is not None:
        invoices = invoices.where(Invoice.id != exclude_invoice_id)
    names = db.session.scalars(customers.union(invoices).limit(COMPARED_NAMES))
    others = []
    for other in names:
        if not same_name(other, name) and not any(same_name(other, seen) for seen in others):
            others.append(other)
    return sorted(others)


def npwp_warning(npwp: str, name: str, **exclude) -> str | None:
    """The words for the clerk when this NPWP is also kept under another name, or None."""
    others = other_names_for_npwp(npwp, name, **exclude)
    if not others:
        return None
    return gettext("NPWP %(npwp)s is also kept for %(names)s. One NPWP is one taxpayer: check the name and the NPWP.",
                   npwp=format_npwp(npwp), names=", ".join(others[:3]) + (" …" if len(others) > 3 else ""))


def buyer_form_data(customer: Customer) -> dict:
    """The customer as the buyer's fields of a form show it."""
    return {field: getattr(customer, column) for field, column in BUYER_FIELDS.items()}
