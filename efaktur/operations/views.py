"""Operations page (admins): the database, backups, mail, version, the data; the ledger check on demand.

`GET /operations/status.json` gives the same figures to an admin's session; a monitoring
system reads them with an API token at `GET /api/v1/operations`.
"""
import time

from flask import Blueprint, jsonify, render_template

from efaktur.app_clock import now
from efaktur.operations.ledger_check import check_ledger
from efaktur.operations.schemas import OperationsOut
from efaktur.operations.status import snapshot
from efaktur.web.helpers import admin_required

bp = Blueprint("operations", __name__, url_prefix="/operations")


@bp.get("/")
@admin_required
def index():
    return render_template("operations/index.html", status=snapshot(now()))


@bp.get("/status.json")
@admin_required
def status_json():
    response = jsonify(OperationsOut().dump(snapshot(now())))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/check")
@admin_required
def check():
    """The ledger check, run now (read-only; seconds even with a million numbers)."""
    started = time.monotonic()
    result = check_ledger()
    return render_template("operations/_partials/check_result.html", result=result, seconds=time.monotonic() - started)
