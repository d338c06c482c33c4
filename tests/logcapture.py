"""Reading captured log records in tests."""

from __future__ import annotations

import logging

import pytest


def logged(caplog: pytest.LogCaptureFixture, prefix: str) -> list[logging.LogRecord]:
    """The records whose message starts with `prefix`, each once, in order."""
    found = [r for r in caplog.records if r.getMessage().startswith(prefix)]
    return list({id(r): r for r in found}.values())
