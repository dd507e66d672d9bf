"""Every `c2c …` command the platform names — in an error's hint, a "next:" line or a docstring — exists, with
the options it is given (a hint pointing to a missing command is itself a bug)."""

from __future__ import annotations

import re

import click

from c2c.cli import main
from tests.paths import REPO

PACKAGES = ("core", "ingestion", "transform_runner", "reverse_etl", "sandbox", "c2c", "orchestration")
NAMED = re.compile(r"`(c2c [^`]+)`|next: (c2c [^\"\n{]+)")


def _named_commands() -> list[tuple[str, str]]:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            for match in NAMED.finditer(path.read_text()):
                for text in (match.group(1) or match.group(2)).split("&&"):
                    found.append((f"{path.relative_to(REPO)}", text.strip()))
    return found


def _problem(text: str) -> str | None:
    tokens = text.split()[1:]
    command: click.Command = main
    for i, token in enumerate(tokens):
        if isinstance(command, click.Group):
            if token.startswith(("[", "<", "…", "-")):
                return None
            names = [t for t in token.split("|") if t]
            missing = [n for n in names if n not in command.commands]
            if missing:
                return f"{' '.join(['c2c', *tokens[:i]])} has no command {', '.join(missing)}"
            command = command.commands[names[0]]
            continue
        if token.startswith("--"):
            options = {o for p in command.params for o in getattr(p, "opts", [])}
            if token.split("=")[0] not in options:
                return f"{command.name} has no option {token}"
    return None


def test_every_named_command_exists() -> None:
    named = _named_commands()
    assert len(named) > 20 and any("reverse-etl plans" in t for _, t in named)
    problems = [f"{where}: `{text}`: {why}" for where, text in named if (why := _problem(text))]
    assert not problems, "\n".join(problems)


def test_the_check_notices_a_missing_command_and_option() -> None:
    assert _problem("c2c reverse-etl plans-of-yesterday") is not None
    assert _problem("c2c transform --fulll") is not None
    assert _problem("c2c sandbox up --detach") is None
