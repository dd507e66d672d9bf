"""What a build left in the finance exception queue, read back for summaries and checks (the queue itself is
the dbt model reconciliation.finance_exceptions; nothing here decides what a break is)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core import warehouse
from core.errors import WarehouseMissingError
from core.paths import warehouse_path

OPEN_BY_KIND = ("select exception_type, count(*), sum(impact_amount_reporting) "
                "from reconciliation.finance_exceptions where status = 'open' group by 1 order by 1")


def open_exceptions_by_kind(data_dir: Path | None = None, target: str = "duckdb") -> dict[str, tuple[int, Decimal]]:
    """Open exceptions per kind: (count, Σ impact in the reporting currency)."""
    with warehouse.connect(target, data_dir, read_only=True) as conn:
        if conn is None:
            raise WarehouseMissingError(f"no warehouse at {warehouse_path(data_dir)}", path=warehouse_path(data_dir))
        rows = conn.execute(OPEN_BY_KIND).fetchall()
    return {kind: (int(n), Decimal(total) if total is not None else Decimal(0)) for kind, n, total in rows}
