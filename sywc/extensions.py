"""Extensions, created unbound and bound to the app in `create_app`."""

from flask import Flask
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from sywc.auth.verified import OnceVerifyingJWTManager
from sywc.database import Base
from sywc.openapi import SywcApi

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)
jwt = OnceVerifyingJWTManager()
api = SywcApi()
cors = CORS()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def limit_decorated_views_only(app: Flask) -> None:
    """Drop the limiter's check from every request; the decorated views keep theirs.

    Only the sign-in routes carry limits, and their `@limiter.limit` decorators check
    them when called. With no default or application-wide limits, the extension's own
    before-request pass finds nothing to apply yet costs each request a walk over the
    limit registry. Configuring such limits keeps that pass.
    """
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    hooks = app.before_request_funcs.get(None, [])
    hooks[:] = [hook for hook in hooks if hook != limiter._check_request_limit]
