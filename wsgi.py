"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from jobmatch import create_app

app = create_app()
