"""Human summaries, or one JSON object as the last line with --json (ARCHITECTURE.md "Interfaces")."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


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
