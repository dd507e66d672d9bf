"""Human summaries, or one JSON object as the last line with --json (ARCHITECTURE.md "Interfaces"); errors
the same way: one line on stderr, or with --json one JSON object `{"error": {"type", "message", …}}` as the
last line, with a non-zero exit code and never a traceback for a user error (ReportingGroup)."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

import click

from .errors import PlatformError, typed_cause
from .warehouse import warehouse_error


def emit(as_json: bool, payload: dict[str, Any], human: str) -> None:
    if as_json:
        click.echo(json.dumps(payload, default=str))
    else:
        click.echo(human)


def progress(as_json: bool):
    """Progress lines go to stderr under --json so stdout stays one JSON object. The stream is the one of the
    moment `progress` is called: a later redirect of sys.stdout (e.g. of a library's console log into a
    file) does not swallow them."""
    stream = sys.stderr if as_json else sys.stdout

    def say(message: str) -> None:
        click.echo(message, file=stream)
        stream.flush()
    return say


# ---- errors --------------------------------------------------------------------------------------------
def error_payload(exc: BaseException) -> dict[str, Any]:
    """An error as the one JSON object a `--json` command prints last: its type, its one-line message (what
    failed, where, what to do) and, for a typed error, where it happened."""
    error: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, click.ClickException):
        error["message"] = exc.format_message()
    else:
        error["message"] = str(exc)
    if isinstance(exc, PlatformError):
        if exc.hint and error["message"].endswith(f" — {exc.hint}"):  # the hint has its own field
            error["message"] = error["message"][: -len(f" — {exc.hint}")]
        error.update({k: v for k, v in (("vendor", exc.vendor), ("resource", exc.resource)) if v})
        if exc.context:
            error["context"] = {k: str(v) for k, v in exc.context.items()}
        if exc.hint:
            error["hint"] = exc.hint
    return {"error": error}


class ReportedError(click.ClickException):
    """An error shown the platform's way: `error: <one line>` on stderr, or with --json one JSON object as the
    last line of stdout; never a traceback. Exit code 1 (2 for a usage error, as click)."""

    def __init__(self, cause: BaseException, as_json: bool) -> None:
        message = cause.format_message() if isinstance(cause, click.ClickException) else str(cause)
        super().__init__(" ".join(message.split()) if isinstance(cause, PlatformError) else message)
        self.cause = cause
        self.as_json = as_json
        self.exit_code = cause.exit_code if isinstance(cause, click.ClickException) else 1

    def show(self, file: Any = None) -> None:
        if self.as_json:
            click.echo(json.dumps(error_payload(self.cause), default=str))
        elif isinstance(self.cause, click.UsageError):
            self.cause.show(file)
        else:
            click.echo(f"error: {self.message}", err=True)


class _ReportsErrors:
    """What the platform's command groups and commands share: a typed error of any part (PlatformError, also
    wrapped by dlt or dbt) and click's own usage errors are reported by ReportedError, as JSON when `--json`
    was given; anything else is a bug and keeps its traceback (with --json, after the JSON error line)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        as_json = "--json" in args or bool(parent and parent.meta.get("c2c.json"))
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)  # type: ignore[misc]
        except click.ClickException as exc:
            if isinstance(exc, ReportedError):
                raise
            raise ReportedError(exc, as_json) from exc
        ctx.meta["c2c.json"] = as_json
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        as_json = bool(ctx.meta.get("c2c.json"))
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except (ReportedError, click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as exc:
            raise ReportedError(exc, as_json) from exc
        except Exception as exc:
            typed = typed_cause(exc) or warehouse_error(exc)
            if typed is not None:
                raise ReportedError(typed, as_json) from exc
            if as_json:
                traceback.print_exc(file=sys.stderr)
                raise ReportedError(exc, as_json) from exc
            raise


class ReportingGroup(_ReportsErrors, click.Group):
    """A click group whose commands report errors the platform's way (see ReportedError)."""


class ReportingCommand(_ReportsErrors, click.Command):
    """A click command that reports errors the platform's way when it runs on its own (see ReportedError)."""
