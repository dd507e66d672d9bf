"""Typed ingestion errors. Each names the vendor and resource, and where it applies the page and cursor,
and says what to do. None ever carries a secret value."""

from __future__ import annotations

from typing import Any


class IngestionError(Exception):
    """Base class: `vendor`, `resource` and free `context` (page, cursor, url) for the message."""

    hint = ""

    def __init__(self, message: str, *, vendor: str, resource: str | None = None, **context: Any) -> None:
        self.vendor = vendor
        self.resource = resource
        self.context = {k: v for k, v in context.items() if v is not None}
        where = f"{vendor}" + (f"/{resource}" if resource else "")
        details = ", ".join(f"{k}={v}" for k, v in self.context.items())
        text = f"{where}: {message}" + (f" [{details}]" if details else "")
        if self.hint:
            text += f" — {self.hint}"
        super().__init__(text)


class ConfigError(IngestionError):
    """A setting is missing or invalid. The message names the setting, never its value."""

    hint = "set it in .dlt/config.toml / .dlt/secrets.toml or the environment (see .env.example)"


class UrlNotAllowedError(ConfigError):
    """A base URL outside the vendor's allow-list (RELIABILITY.md F17): refused before any connection."""

    hint = "use the vendor's documented host, or add the host to sources.<vendor>.allowed_hosts"


class AuthError(IngestionError):
    """The vendor rejected the credentials (fail fast, no retry loop)."""

    hint = "check the credentials named in the message (their values are never shown)"


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
