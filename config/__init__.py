"""Deployment settings and reference data, read from the environment when asked."""

from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
