"""Customers page: the list with its search, Add Customer and Edit (modal forms), and the suggestions
the New Invoice form shows as the clerk types a customer's name."""
from flask import Blueprint, render_template, request, url_for

from efaktur.customers.forms import CustomerForm, CustomerSearchForm
from efaktur.customers.models import Customer
from efaktur.customers.services import (
    CustomerRefused,
    add_customer,
    buyer_form_data,
    customer_query,
    npwp_warning,
    suggestions,
    update_customer,
)
from efaktur.extensions import db
from efaktur.language.lang import gettext
from efaktur.paging import int_key, keyset_page, text_key
from efaktur.web.errors import Refused, apply_refusal, parse_revision
from efaktur.web.events import CUSTOMERS_CHANGED
from efaktur.web.helpers import is_htmx, page_number, success_response

bp = Blueprint("customers", __name__, url_prefix="/customers")

PER_PAGE = 50
CUSTOMER_ORDER = [text_key(Customer.name_key), int_key(Customer.id)]  # by name, as customer_query orders


@bp.get("/")
def index():
    search = CustomerSearchForm(request.args)
    q = (search.q.data or "").strip()[:200]
    page = keyset_page(customer_query(q).order_by(None), CUSTOMER_ORDER, False, page_number(), PER_PAGE,
                       request.args.get("after"), request.args.get("before"))
    context = {"page": page, "search": search, "list_args": {"q": q} if q else {}}
    if is_htmx() and request.headers.get("HX-Target") == "customer-list":
        return render_template("customers/_partials/list.html", **context)
    return render_template("customers/index.html", **context)


def _form_response(form: CustomerForm, title: str, action: str, status: int = 200):
    return render_template("customers/customer_form.html", form=form, title=title, action=action), status


def _saved(message: str, warning: str | None):
    return success_response(message, url_for("customers.index"), (CUSTOMERS_CHANGED,), warning)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            customer = add_customer(form.buyer_values())
        except CustomerRefused as refused:
            apply_refusal(form, refused, "customer_name")
        else:
            return _saved(gettext("Customer %(name)s saved.", name=customer.name),
                          npwp_warning(customer.npwp, customer.buyer_name, exclude_customer_id=customer.id))
    return _form_response(form, gettext("Add Customer"), url_for("customers.new"), 422 if form.errors else 200)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
def edit(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    title = gettext("Edit Customer %(name)s", name=customer.name)
    action = url_for("customers.edit", customer_id=customer_id)
    if request.method == "GET":
        data = {**buyer_form_data(customer), "revision": str(customer.revision)}
        return _form_response(CustomerForm(formdata=None, data=data), title, action)
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            customer, changed = update_customer(customer_id, form.buyer_values(), parse_revision(form.revision.data))
        except Refused as refused:
            apply_refusal(form, refused, "customer_name")
        else:
            if not changed:
                return _saved(gettext("Nothing changed on customer %(name)s.", name=customer.name), None)
            return _saved(gettext("Customer %(name)s saved. Invoices made before keep the details they were made "
                                  "with.", name=customer.name),
                          npwp_warning(customer.npwp, customer.buyer_name, exclude_customer_id=customer.id))
    return _form_response(form, title, action, 422 if form.errors else 200)


@bp.get("/suggest")
def suggest():
    """The customers whose name, NPWP name or NPWP holds what was typed, as buttons that fill the form."""
    q = (request.args.get("customer_q") or "")[:200]
    found = suggestions(q)
    return render_template("customers/_partials/suggestions.html", customers=found, q=q.strip(),
                           fill={c.id: {**buyer_form_data(c), "customer_id": str(c.id)} for c in found})
