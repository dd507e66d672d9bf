"""The base of every typed error of the platform. Each error says what failed, where (vendor, resource, page,
setting, plan…) and what to do (`hint`); none ever carries a secret value."""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """`vendor` and `resource` (when there is one) name where it failed; free `context` (page, cursor, setting,
    plan…) follows in brackets; the class's `hint` says what to do."""

    hint = ""

    def __init__(self, message: str, *, vendor: str | None = None, resource: str | None = None,
                 **context: Any) -> None:
        self.vendor = vendor
        self.resource = resource
        self.context = {k: v for k, v in context.items() if v is not None}
        where = (vendor or "") + (f"/{resource}" if resource else "")
        details = ", ".join(f"{k}={v}" for k, v in self.context.items())
        text = (f"{where}: " if where else "") + message + (f" [{details}]" if details else "")
        if self.hint:
            text += f" — {self.hint}"
        super().__init__(text)


class ConfigError(PlatformError):
    """A setting is missing or invalid. The message names the setting, never its value."""

    hint = "set it in .dlt/config.toml / .dlt/secrets.toml or the environment (see .env.example)"


class UrlNotAllowedError(ConfigError):
    """A base URL outside the vendor's allow-list (RELIABILITY.md F17): refused before any connection."""

    hint = "use the vendor's documented host, or add the host to the setting's allowed_hosts"


def typed_cause(exc: BaseException | None) -> PlatformError | None:
    """The first PlatformError in an exception's cause chain (libraries such as dlt wrap ours)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, PlatformError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None
