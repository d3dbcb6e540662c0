from flask import Blueprint, render_template, request

from ..web import admin_required
from .services import recent_page

bp = Blueprint("activity", __name__, url_prefix="/activity")


@bp.get("/")
@admin_required
def index():
    page = recent_page(request.args.get("page", 1, type=int))
    return render_template("activity/index.html", page=page)
