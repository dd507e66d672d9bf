"""Names that become relations must fit PostgreSQL's 63-character identifiers (dbt builds unit-test fixtures
and models under their names; DuckDB has no such limit, so only the PostgreSQL build would fail)."""

from __future__ import annotations

from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2] / "transform"
LIMIT = 63


def test_model_and_unit_test_names_fit_postgres_identifiers() -> None:
    too_long = []
    for path in (PROJECT / "models").rglob("*.yml"):
        doc = yaml.safe_load(path.read_text()) or {}
        for kind in ("models", "unit_tests"):
            for entry in doc.get(kind) or []:
                if len(entry["name"]) > LIMIT:
                    too_long.append(f"{path.relative_to(PROJECT)}: {kind} {entry['name']} ({len(entry['name'])})")
    for path in (PROJECT / "models").rglob("*.sql"):
        if len(path.stem) > LIMIT:
            too_long.append(f"{path.relative_to(PROJECT)} ({len(path.stem)})")
    assert not too_long, "longer than PostgreSQL's 63-character identifiers:\n" + "\n".join(too_long)
