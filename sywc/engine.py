"""Engine behaviour per database: SQLite pragmas and write-locking transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from sywc.alerts.sqldates import SQLITE_LOCAL_DATE, sqlite_local_date

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE below applies.
    dbapi_connection.isolation_level = None
    dbapi_connection.create_function(SQLITE_LOCAL_DATE, 2, sqlite_local_date, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Take the write lock up front: a read transaction that later writes (an audited
        # read) would otherwise fail outright when another writer committed meanwhile.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def configure_engines(app: Flask) -> None:
    """Install the per-dialect connection hooks once per process."""
    if not event.contains(Engine, "connect", _sqlite_connect):
        event.listen(Engine, "connect", _sqlite_connect)
        event.listen(Engine, "begin", _sqlite_begin)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
