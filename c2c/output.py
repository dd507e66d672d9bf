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
    """Progress lines go to stderr under --json so stdout stays one JSON object."""
    def say(message: str) -> None:
        click.echo(message, err=as_json)
        sys.stderr.flush()
    return say
