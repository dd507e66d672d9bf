"""Ironclad Public API v1 (CLM) simulator: OAuth client credentials, `GET/PATCH /records`, `/records/metadata`.

The interface the sandbox runner uses (see sandbox/common/vendor.py); details and departures in README.md.
"""

from .app import DEFAULT_SETTINGS, VENDOR, create_app, describe, make_credentials

__all__ = ["DEFAULT_SETTINGS", "VENDOR", "create_app", "describe", "make_credentials"]
