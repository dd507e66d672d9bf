"""Typed reverse-ETL errors (STYLE.md §6 example 13). Each says what failed, where (plan, schedule, request) and
what to do; none ever carries a secret value."""

from __future__ import annotations

from typing import Any

from core.errors import (
    PlatformError,
    WarehouseBusyError,  # noqa: F401 - the kernel's: every part meets the same busy warehouse
)


class ReverseEtlError(PlatformError):
    """Base class: free `context` (plan, schedule, url) for the message, and a hint for the user. A missing or
    invalid setting is the kernel's ConfigError (core/errors.py)."""


class FeedError(ReverseEtlError):
    """The sync feed cannot be planned from (missing model, inconsistent totals, unknown currency)."""

    hint = "run `c2c transform` and check the sync models' tests"


class PlanNotFoundError(ReverseEtlError):
    hint = "list plans with `c2c reverse-etl plans`"


class ApprovalError(ReverseEtlError):
    """Apply refused before any ERP request: unapproved, not signed by a registered approver, self-approved, or
    the plan changed after the approval."""

    hint = ("have a registered finance approver (not the pipeline identity) sign the plan as it is now: "
            "`c2c reverse-etl approve <plan> --approver <name>` (reverse_etl/README.md \"Approvers\")")


class ErpError(ReverseEtlError):
    """An answer of the ERP that the apply cannot use. `status` and `body` (the ERP's error body) when there was one."""

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None, **context: Any) -> None:
        self.status = status
        self.body = body
        super().__init__(message, status=status, **context)


class ErpConnectionError(ErpError):
    """Time-outs, dropped connections and 5xx past the retry budget; the write's outcome may be unknown."""

    hint = "rerun `c2c reverse-etl apply <plan>`: it re-reads every in-flight schedule before writing again"


class ErpRateLimitError(ErpError):
    """Throttling (429) past the retry budget."""

    hint = "rerun later; nothing was written twice and the remaining items are still pending"


class ErpAuthError(ErpError):
    """The ERP refused the reverse-ETL integration's credentials or role (no retry loop)."""

    hint = "check reverse_etl.netsuite credentials (the writer integration, not ingestion's)"


class ErpValidationError(ErpError):
    """The ERP rejected the write's content (4xx): a dead letter holding the ERP's error body."""


class ErpConflictError(ErpError):
    """The schedule changed in the ERP since the plan (its lastModifiedDate moved): not overwritten."""
