"""Extensions, created unbound and bound to the app in `create_app`."""

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from sywc.database import Base
from sywc.openapi import SywcApi

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)
jwt = JWTManager()
api = SywcApi()
cors = CORS()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
