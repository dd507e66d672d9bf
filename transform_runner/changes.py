"""Which part of the dbt project a build must run: everything, only what changed since the last build, or nothing.

A build is *changed-only* when all of these hold, else it is *full*:
- a previous build on this data dir and target succeeded and recorded its state (below);
- the as-of date is the same (every rule reads it);
- the dbt project is byte-for-byte the same (models, macros, tests, seeds, snapshots, dbt_project.yml);
- no raw table it saw has gone.

Changed-only selects `source:<vendor>.<table>+` for each source table whose change marker differs from the
one the last build saw (a dlt table's newest `_dlt_load_id`; the row count of the reverse ETL's append-only
tables): the models fed by that table and everything downstream (with their data tests).
A model none of whose inputs changed would produce the same rows again, so it is not rebuilt. No raw table
changed and nothing else changed: the build is skipped.

The state lives in `<data dir>/state/transform/<target>.json`, written only after a successful build, so a
failed or interrupted build leaves the previous state and the next build redoes the work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from core import warehouse
from core.paths import DBT_PROJECT_DIR as PROJECT_DIR

FINGERPRINTED = ("models", "macros", "tests", "seeds", "snapshots", "dbt_project.yml")


@dataclass(frozen=True)
class SourceTable:
    source: str  # dbt source name, e.g. kantata
    schema: str  # warehouse schema, e.g. raw_kantata
    table: str

    @property
    def key(self) -> str:
        return f"{self.source}.{self.table}"


@dataclass
class BuildPlan:
    mode: str  # full | changed | nothing
    reason: str
    select: str | None = None
    changed: list[str] = field(default_factory=list)  # source.table keys
    state: dict[str, Any] = field(default_factory=dict)  # recorded after the build succeeds

    def public(self) -> dict[str, Any]:
        return {"mode": self.mode, "reason": self.reason, "changed_sources": self.changed}


def source_tables(project_dir: Path = PROJECT_DIR) -> list[SourceTable]:
    """The raw tables the dbt project declares as sources (the `_<vendor>__sources.yml` files)."""
    tables = []
    for path in sorted((project_dir / "models").rglob("*sources.yml")):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", []):
            schema = source.get("schema", source["name"])
            tables += [SourceTable(source["name"], schema, t.get("identifier", t["name"])) for t in source["tables"]]
    return tables


def project_fingerprint(project_dir: Path = PROJECT_DIR) -> str:
    digest = hashlib.sha256()
    for name in FINGERPRINTED:
        root = project_dir / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _union_query(tables: list[SourceTable], existing: dict[tuple[str, str], bool], quote: str) -> str | None:
    """One query for every table's change marker: the newest dlt load id of a dlt table, the row count of an
    append-only table written by the platform itself (the reverse_etl ledger)."""
    parts = []
    for t in tables:
        if (t.schema, t.table) not in existing:
            continue
        marker = "max(_dlt_load_id)" if existing[(t.schema, t.table)] else "cast(count(*) as varchar)"
        parts.append(f"select '{t.key}' as source_table, {marker} as load_id "
                     f"from {quote}{t.schema}{quote}.{quote}{t.table}{quote}")
    return " union all ".join(parts) if parts else None


def load_watermarks(data_dir: Path, target: str, tables: list[SourceTable]) -> dict[str, str | None]:
    """The change marker of each declared source table that exists in the warehouse."""
    catalog = ("select table_schema, table_name, max(case when column_name = '_dlt_load_id' then 1 else 0 end) "
               "from information_schema.columns group by table_schema, table_name")
    with warehouse.connect(target, data_dir, read_only=True) as conn:
        if conn is None:  # no warehouse yet
            return {}
        existing = {(r[0], r[1]): bool(r[2]) for r in conn.execute(catalog).fetchall()}
        query = _union_query(tables, existing, '"')
        return dict(conn.execute(query).fetchall()) if query else {}


def state_file(data_dir: Path, target: str) -> Path:
    return data_dir / "state" / "transform" / f"{target}.json"


def plan_build(data_dir: Path, *, as_of: str | None, target: str = "duckdb") -> BuildPlan:
    as_of_date = as_of or datetime.now(UTC).date().isoformat()
    tables = source_tables()
    marks = load_watermarks(data_dir, target, tables)
    state = {"as_of": as_of_date, "fingerprint": project_fingerprint(), "watermarks": marks}
    path = state_file(data_dir, target)
    previous = json.loads(path.read_text()) if path.exists() else None

    def full(reason: str) -> BuildPlan:
        return BuildPlan("full", reason, state=state)

    if previous is None:
        return full("no earlier successful build recorded for this data dir and target")
    if previous.get("as_of") != as_of_date:
        return full(f"as-of date changed ({previous.get('as_of')} -> {as_of_date})")
    if previous.get("fingerprint") != state["fingerprint"]:
        return full("the dbt project changed since the last build")
    gone = sorted(set(previous.get("watermarks", {})) - set(marks))
    if gone:
        return full(f"raw tables disappeared since the last build: {', '.join(gone)}")
    changed = sorted(k for k, v in marks.items() if previous["watermarks"].get(k, "<new>") != v)
    if not changed:
        return BuildPlan("nothing", "no source table changed since the last build", state=state)
    select = " ".join(f"source:{key}+" for key in changed)
    return BuildPlan("changed", f"{len(changed)} source table(s) changed", select=select, changed=changed,
                     state=state)


def record_build(data_dir: Path, target: str, plan: BuildPlan) -> None:
    path = state_file(data_dir, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {**plan.state, "mode": plan.mode, "built_at": datetime.now(UTC).isoformat()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True))
    tmp.replace(path)
