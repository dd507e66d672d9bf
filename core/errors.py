"""The base of every typed error of the platform. Each error says what failed, where (vendor, resource, page,
setting, plan…) and what to do (`hint`); none ever carries a secret value."""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """`vendor` and `resource` (when there is one) name where it failed; free `context` (page, cursor, setting,
    plan…) follows in brackets; the class's `hint` says what to do."""

    hint = ""

    def __init__(self, message: str, *, vendor: str | None = None, resource: str | None = None,
                 hint: str | None = None, **context: Any) -> None:
        if hint is not None:  # what to do in this case, instead of the class's general hint
            self.hint = hint
        self.message = message
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


class InputError(PlatformError):
    """A command-line value is invalid (a malformed date, an unknown id or target, a selection that matches
    nothing): refused before any work starts. `option` names the option; the hint says what is valid."""


class WarehouseError(PlatformError):
    """The warehouse file cannot be used. `path` names it (the message says it too); never raised for a
    query's own error."""

    def __init__(self, message: str, *, path: Any = None, **context: Any) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(message, **context)


class WarehouseMissingError(WarehouseError):
    """A command that only reads (or that needs loaded data) found no warehouse; it never creates one."""

    hint = ("run `c2c ingest` and `c2c transform` first, or point C2C_DATA_DIR at the data dir that holds the "
            "warehouse")


class WarehouseBusyError(WarehouseError):
    """Another process holds the DuckDB warehouse (a dbt build, an ingest, an apply, a BI tool): DuckDB has one
    writer. Raised after the bounded wait (C2C_WAREHOUSE_CONNECT_ATTEMPTS); `holder_pid` when DuckDB names it."""

    hint = ("run again when it has finished (in Dagster the duckdb concurrency pool serialises runs' steps); "
            "C2C_WAREHOUSE_CONNECT_ATTEMPTS sets how long to wait")

    def __init__(self, message: str, *, holder_pid: Any = None, **context: Any) -> None:
        self.holder_pid = int(holder_pid) if holder_pid is not None else None
        super().__init__(message, **context)


class WarehouseCorruptError(WarehouseError):
    """The file is not a readable DuckDB database: empty, truncated, overwritten, or from another DuckDB
    version. Nothing was written to it."""

    hint = ("restore it from a backup (the reverse ETL's plans and write ledger live in it); to rebuild the "
            "rest, move it and <data dir>/dlt aside, then `c2c ingest` and `c2c transform --full`")


class WarehousePermissionError(WarehouseError):
    """The operating system refused access to the warehouse file or its directory."""

    hint = ("give the user that runs c2c read and write access to the data dir and the warehouse file (the "
            "platform creates them 0700 and 0600, for its own user)")


class WarehouseUnreachableError(WarehouseError):
    """The PostgreSQL warehouse refused or did not answer the connection (the message never holds the password)."""

    hint = "check the C2C_PG_* settings (.env.example) and that the server runs"


def typed_cause(exc: BaseException | None) -> PlatformError | None:
    """The first PlatformError in an exception's cause chain (libraries such as dlt wrap ours)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, PlatformError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None
