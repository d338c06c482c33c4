"""sywc: case coordination for a borough's serious youth violence partnership."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_sqlalchemy.session import Session as FlaskSession
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_settings
from config.settings import check_business_timezone, check_cors_origins
from sywc import (
    errors,
    logs,
    models,  # noqa: F401  (the whole schema, for Alembic)
    security,
)
from sywc.audit.service import install_session_hooks
from sywc.auth.tokens import register_jwt_callbacks
from sywc.cli import register_commands
from sywc.database import install_statement_guard
from sywc.engine import MIGRATIONS_DIR, configure_engines
from sywc.extensions import api, cors, db, jwt, limit_decorated_views_only, limiter, migrate
from sywc.fields import IdConverter
from sywc.http import add_security_headers, check_query_string, check_request_body
from sywc.openapi import SECURITY_SCHEMES, check_undeclared_body
from sywc.referrals.clock import check_clock_settings
from sywc.routes import BLUEPRINTS


def create_app(config: dict[str, Any] | None = None, *, env: str | None = None) -> Flask:
    """Build the application: settings from the environment, then `config` on top."""
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["int"] = IdConverter
    settings = load_settings(env or (config or {}).get("SYWC_ENV"))
    app.config.update(settings)
    app.config.update(config or {})
    check_business_timezone(app.config)
    check_cors_origins(app.config)
    check_clock_settings(app.config)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])  # type: ignore[method-assign]

    logs.configure_logging(app)
    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    jwt.init_app(app)
    register_jwt_callbacks(jwt)
    limiter.init_app(app)
    limit_decorated_views_only(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        supports_credentials=True,
        expose_headers=["ETag", "Link", "X-Request-ID", "Retry-After"],
    )
    api.init_app(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)

    app.before_request(logs.assign_request_id)
    app.before_request(check_request_body)
    app.before_request(security.authorize_request)
    app.before_request(check_query_string)
    app.before_request(check_undeclared_body)
    app.after_request(add_security_headers)
    app.after_request(logs.finish_request)
    errors.register_error_handlers(app)
    install_session_hooks(FlaskSession)
    install_statement_guard(FlaskSession)
    register_commands(app)
    return app
