"""Reading finance_exceptions back in the manifest's shape, to compare break by break."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

SYSTEM_COLUMNS = {"ironclad": "clm_contract_id", "kantata": "psa_record_id", "netsuite": "erp_record_id",
                  "salesforce": "crm_record_id"}


def open_exceptions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if row["status"] != "open" or row["exception_type"] in ("write_conflict", "write_rejected"):
            continue
        ids = {system: str(row[column]) for system, column in SYSTEM_COLUMNS.items() if row[column] is not None}
        impact = Decimal(row["impact_amount"])
        out.append({"kind": row["exception_type"], "ids": ids, "key": row["grain_key"],
                    "contract_currency": row["currency_code"] if row["clm_contract_id"] is not None else None,
                    "impact": str(impact)})
    return out


def read_duckdb(data_dir: Path) -> list[dict[str, Any]]:
    # same configuration as the in-process dbt connection (DuckDB refuses a second, read-only one)
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        cur = con.execute("select * from reconciliation.finance_exceptions")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
