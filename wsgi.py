"""Entry point for gunicorn: `gunicorn wsgi:app`."""
from efaktur import create_app

app = create_app()
