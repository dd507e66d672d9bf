"""Kantata OX API v1 (PSA, formerly Mavenlink) simulator: pre-issued bearer token, brainstem-style envelopes
(`count`, `meta`, ordered `results`, id-keyed maps, `include=` side-loading), list/show of the firm's
workspaces, stories, time entries, expenses, users, roles, rate cards and external references, time
entry writes, and story updates (a milestone marked completed adds a story state change).

The interface the sandbox runner uses (see sandbox/common/vendor.py); knobs and departures in README.md.
"""

from .app import DEFAULT_SETTINGS, VENDOR, create_app, describe, make_credentials

__all__ = ["DEFAULT_SETTINGS", "VENDOR", "create_app", "describe", "make_credentials"]
