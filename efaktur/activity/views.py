from flask import Blueprint, render_template

from ..web import admin_required, page_number
from .services import recent_page

bp = Blueprint("activity", __name__, url_prefix="/activity")


@bp.get("/")
@admin_required
def index():
    page = recent_page(page_number())
    return render_template("activity/index.html", page=page)
