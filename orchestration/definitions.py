"""The Dagster entry point that workspace.yaml loads: one asset graph from the vendors' APIs to the ERP write,
loaded from the `defs/` folder (every asset, check, job, schedule, sensor and resource defined at module level
there is picked up; `dg` finds the folder through pyproject.toml's [tool.dg] root_module).

raw tables (dlt, one multi-asset per vendor) → dbt models (staging … sync; dbt tests as asset checks) →
the correction plan → the ERP write (`finance_corrections` job only). Every asset that opens the DuckDB
warehouse runs in the `duckdb` pool (one writer: set its limit to 1 in dagster.yaml). Wiring only.
"""

from __future__ import annotations

import dagster as dg

from core.paths import REPO_ROOT

defs = dg.load_from_defs_folder(path_within_project=REPO_ROOT)
