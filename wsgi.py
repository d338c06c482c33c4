"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from sywc import create_app

app = create_app()
