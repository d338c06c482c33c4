"""Health, configuration safety and logs."""

from __future__ import annotations

import gc
import json
import logging
import os
import runpy
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import weakref
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from config.settings import ConfigurationError, load_settings
from sywc import create_app
from sywc.extensions import db
from sywc.logs import JsonFormatter


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["database"] == "ok"


def test_every_response_carries_the_security_headers(client, officer):
    record = client.get("/api/v1/auth/me", headers=officer.headers)
    refused = client.get("/api/v1/youths")
    health = client.get("/healthz")
    document = client.get("/api/v1/openapi.json")
    for response in (record, refused, health, document):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    # What the API answers, a refusal included, is never kept by a browser or a proxy.
    assert [r.headers.get("Cache-Control") for r in (record, refused)] == ["no-store"] * 2
    assert "no-store" not in document.headers.get("Cache-Control", "")


@pytest.mark.parametrize("secret", [None, "short", "secret" * 2, "a" * 40])
def test_production_refuses_missing_or_weak_secret(monkeypatch, secret):
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if secret:
        monkeypatch.setenv("JWT_SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        create_app(env="production")


def test_production_refuses_to_start_on_the_embedded_database(monkeypatch):
    monkeypatch.setenv("JWT_SECRET_KEY", "0123456789abcdefghijklmnopqrstuvwxyzABCD")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app(env="production")


def test_production_starts_with_a_strong_secret(monkeypatch, database_url):
    monkeypatch.setenv("JWT_SECRET_KEY", "0123456789abcdefghijklmnopqrstuvwxyzABCD")
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app(env="production")
    assert app.config["JWT_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url


def test_settings_are_read_when_asked_not_at_import(monkeypatch):
    monkeypatch.setenv("CADENCE_RED_DAYS", "5")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    settings = load_settings("test")
    assert settings["VISIT_CADENCE_DAYS"]["red"] == 5
    assert settings["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    with pytest.raises(ConfigurationError):
        load_settings("staging")


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "https://*.example",
        "https://sywc.example/",
        "sywc.example",
        "https://sywc.example/app",
        "https://SYWC.example",
        "https://sywc\\.example",
        "null",
    ],
)
def test_a_cors_origin_that_is_not_one_exact_origin_is_refused_at_startup(monkeypatch, origin):
    # Credentialed CORS to `*` or a pattern would hand other sites an officer's session.
    monkeypatch.setenv("CORS_ORIGINS", origin)
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS") as from_environment:
        create_app(env="test")
    monkeypatch.delenv("CORS_ORIGINS")
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
        create_app({"CORS_ORIGINS": [origin]}, env="test")
    assert repr(origin) in str(from_environment.value)


def test_exact_cors_origins_start(monkeypatch, database_url):
    monkeypatch.setenv("CORS_ORIGINS", "https://sywc.example, http://localhost:5173")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")
    assert app.config["CORS_ORIGINS"] == ["https://sywc.example", "http://localhost:5173"]


@pytest.mark.parametrize("name", ["Europe/Londn", "Mars/Olympus_Mons", "../etc/passwd", "Europe"])
def test_a_bad_business_timezone_is_refused_at_startup(monkeypatch, name):
    monkeypatch.setenv("BUSINESS_TIMEZONE", name)
    with pytest.raises(ConfigurationError, match="BUSINESS_TIMEZONE") as from_environment:
        create_app(env="test")
    monkeypatch.delenv("BUSINESS_TIMEZONE")
    with pytest.raises(ConfigurationError, match="BUSINESS_TIMEZONE") as from_overrides:
        create_app({"BUSINESS_TIMEZONE": name}, env="test")
    assert repr(name) in str(from_environment.value)
    assert repr(name) in str(from_overrides.value)


def test_the_business_timezone_defaults_to_london_and_reads_the_older_name(monkeypatch):
    monkeypatch.delenv("BUSINESS_TIMEZONE", raising=False)
    monkeypatch.delenv("SYWC_TIMEZONE", raising=False)
    assert load_settings("test")["BUSINESS_TIMEZONE"] == "Europe/London"
    monkeypatch.setenv("SYWC_TIMEZONE", "Europe/Dublin")
    assert load_settings("test")["BUSINESS_TIMEZONE"] == "Europe/Dublin"
    monkeypatch.setenv("BUSINESS_TIMEZONE", "Europe/Belfast")
    assert load_settings("test")["BUSINESS_TIMEZONE"] == "Europe/Belfast"


def test_the_business_timezone_needs_no_timezone_database_on_the_host(tmp_path):
    # An empty search path stands for a host without /usr/share/zoneinfo (a slim
    # container): zoneinfo then reads the pinned tzdata package.
    code = (
        "from datetime import UTC, datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "from sywc import create_app\n"
        "zone = ZoneInfo(create_app(env='test').config['BUSINESS_TIMEZONE'])\n"
        "print(datetime(2026, 7, 1, 23, 30, tzinfo=UTC).astimezone(zone).date())\n"
    )
    env = {
        **os.environ,
        "PYTHONTZPATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    env.pop("BUSINESS_TIMEZONE", None)
    env.pop("SYWC_TIMEZONE", None)
    done = subprocess.run(  # noqa: S603 (our own interpreter and modules)
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-07-02"


def test_access_log_is_json_without_query_strings(app, client, admin, caplog):
    with caplog.at_level(logging.INFO, logger="sywc.access"):
        client.get(
            "/api/v1/users?role=officer&agency=MPS",
            headers={**admin.headers, "X-Request-ID": "log-check-1"},
        )
    records = [r for r in caplog.records if r.name == "sywc.access"]
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["path"] == "/api/v1/users"
    assert line["status"] == 200
    assert line["request_id"] == "log-check-1"
    assert "role=officer" not in json.dumps(line)


def test_the_development_server_logs_requests_without_their_query_strings(app, caplog):
    server = make_server("127.0.0.1", 0, app)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/api/v1/youths?q=Jordan+Examplewood"
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url, timeout=10)
            assert refused.value.code == 401
    finally:
        server.shutdown()
        serving.join(timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /api/v1/youths HTTP/1.1" in line for line in lines), lines
    assert not any("Examplewood" in line or "q=" in line for line in lines), lines


def test_statement_errors_never_quote_their_values(app):
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as caught:
            db.session.execute(
                sa.text("INSERT INTO no_such_table VALUES (:name)"), {"name": "Jordan Examplewood"}
            )
        db.session.rollback()
    assert "Examplewood" not in str(caught.value)


def test_a_database_error_is_logged_with_its_stack_but_not_its_message(database_url, caplog):
    # PostgreSQL's DETAIL quotes a failing row whole: a child's name and date of birth.
    detail = "Failing row contains (Jordan, Examplewood, 2010-05-01)."
    values = {"first_name": "Jordan"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")

    def fail() -> None:
        cause = sqlite3.IntegrityError(f"CHECK constraint failed: gender\nDETAIL:  {detail}")
        raise sa.exc.IntegrityError("INSERT INTO youths ...", values, cause)

    fail._sywc_permission = "public"  # type: ignore[attr-defined]
    app.add_url_rule("/api/v1/failing", "failing", fail)
    logger = logging.getLogger("sywc")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.ERROR, logger="sywc"):
            response = app.test_client().get("/api/v1/failing")
    finally:
        logger.removeHandler(caplog.handler)
    assert response.status_code == 500
    assert b"Jordan" not in response.data
    [record] = [r for r in caplog.records if r.name == "sywc.errors"]
    line = json.loads(JsonFormatter().format(record))
    assert "Jordan" not in json.dumps(line)
    assert "2010-05-01" not in json.dumps(line)
    assert "in fail" in line["exception"]  # where it failed is kept
    assert "sqlalchemy.exc.IntegrityError" in line["exception"]
    assert "sqlite3.IntegrityError" in line["exception"]


def test_other_errors_are_logged_whole():
    try:
        raise ValueError("an ordinary message")
    except ValueError:
        record = logging.LogRecord("sywc.errors", logging.ERROR, "", 0, "x", None, sys.exc_info())
    assert (
        "ValueError: an ordinary message" in json.loads(JsonFormatter().format(record))["exception"]
    )


def test_a_gunicorn_worker_freezes_what_its_import_left_after_collecting_the_garbage():
    settings = runpy.run_path(str(Path(__file__).parent.parent / "config" / "gunicorn.conf.py"))

    class Cycle:
        pass

    dead = Cycle()
    dead.me = dead  # type: ignore[attr-defined]
    gone = weakref.ref(dead)
    del dead
    gc.unfreeze()
    try:
        settings["post_worker_init"](None)
        assert gone() is None  # collected, not frozen
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
