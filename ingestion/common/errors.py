"""Typed ingestion errors. Each names the vendor and resource, and where it applies the page and cursor,
and says what to do. None ever carries a secret value."""

from __future__ import annotations

from typing import Any

from core.errors import PlatformError


class IngestionError(PlatformError):
    """Base class: `vendor`, `resource` and free `context` (page, cursor, url) for the message. A missing or
    refused setting is the kernel's ConfigError / UrlNotAllowedError (core/errors.py)."""

    def __init__(self, message: str, *, vendor: str, resource: str | None = None, **context: Any) -> None:
        super().__init__(message, vendor=vendor, resource=resource, **context)


class AuthError(IngestionError):
    """The vendor rejected the credentials (fail fast, no retry loop)."""

    hint = "check the credentials named in the message (their values are never shown)"


class RedirectRefusedError(IngestionError):
    """The vendor (or something in between) answered 3xx: not followed, not a page (RELIABILITY.md F17)."""

    hint = ("nothing was loaded and the cursor did not advance; check the vendor's base_url / token_url settings "
            "(a redirect is never followed: set the URL it should have been)")


class ThrottledError(IngestionError):
    """The vendor kept throttling past the retry budget; the cursor did not advance, rerun later."""

    hint = "rerun later; the cursor did not advance and nothing was half-loaded"


class UnavailableError(IngestionError):
    """5xx answers, time-outs or dropped connections past the retry budget; rerun resumes."""

    hint = "rerun later; the cursor did not advance and nothing was half-loaded"


class MalformedPageError(IngestionError):
    """A page that is not the vendor's envelope (truncated or invalid JSON, missing id, wrong type)."""

    hint = "nothing from this run was loaded and the cursor did not advance; report the page to the vendor"


class PaginationLoopError(IngestionError):
    """The vendor sent a next link / page it had already sent: stopped instead of looping forever."""

    hint = "nothing from this run was loaded and the cursor did not advance"


class SchemaContractError(IngestionError):
    """A key or money field changed type: the load stops (raw tables evolve only by added fields)."""

    hint = "the vendor changed a key or money field's type; update the source's contract after review"


class RunInterruptedError(IngestionError):
    """The run was stopped by a signal (SIGTERM, Ctrl-C) and drained what it had started (RELIABILITY.md F6)."""

    hint = "run the ingest again: it loads the pending package first, then extracts what is new"


class DiskFullError(IngestionError):
    """The file system of the data dir filled up while dlt wrote a load package (RELIABILITY.md F20)."""

    hint = ("free space on that file system (or point C2C_DATA_DIR at a larger one) and run the ingest again: "
            "the failed package was not committed, nothing of it was loaded and the cursor did not advance")
