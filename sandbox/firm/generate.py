"""Generate the firm: plan → deliver → book the ERP → find the breaks → write vendor tables + manifest."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .basics import REPORTING_CURRENCY
from .breaks import delivered_value60, find_breaks
from .delivery import build_delivery
from .erp import build_erp
from .plan import AS_OF, Firm, plan_firm
from .sizes import get_size
from .tables import write
from .wire_crm_clm import ironclad_tables, salesforce_tables
from .wire_erp import netsuite_tables
from .wire_psa import kantata_tables

# manifest object names, as each vendor names its objects -> (table, filter on the wire table)
NETSUITE_OBJECTS = {
    "customer": ("customer", None),
    "job": ("job", None),
    "billingSchedule": ("billingschedule", None),
    "invoice": ("transaction", "CustInvc"),
    "customerPayment": ("transaction", "CustPymt"),
    "journalEntry": ("transaction", "Journal"),
    "currency": ("currency", None),
    "currencyRate": ("currencyrate", None),
}


class GenerationError(RuntimeError):
    pass


def set_caps(firm: Firm, d60: dict[int, int]) -> None:
    p = firm.planner
    for c in firm.contracts:
        if c.model != "time_and_materials":
            continue
        step = c.currency.base_unit * 100
        delivered = d60.get(c.idx, 0) // 60
        if "tm_over_cap" in c.scenarios:
            c.cap = int(delivered * 0.85) // step * step
            p.co(
                c,
                AS_OF - dt.timedelta(days=15),
                None,
                status="draft",
                cap=(int(delivered * 1.5) // step + 1) * step,
            )
        elif "tm_cap_raised" in c.scenarios:
            c.cap = int(delivered * 0.8) // step * step
            eff = AS_OF - dt.timedelta(days=10)
            p.co(c, eff, eff, cap=(int(delivered * 1.4) // step + 1) * step)
        elif not c.scenarios and p.rng.random() < 0.35:
            c.cap = (int(delivered * 1.3) // step + 2) * step
        else:
            c.cap = None


def generate(
    size_name: str, seed: int, out: Path, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Write `<out>/firm/<vendor>/<table>.parquet` and `<out>/manifest.json`; return the manifest."""
    size = get_size(size_name)
    t0 = time.perf_counter()
    firm = plan_firm(size, seed)
    rng = np.random.Generator(np.random.PCG64(seed))
    progress(f"planned {len(firm.customers)} customers, {len(firm.contracts)} SOWs")
    delivery = build_delivery(firm, rng)
    set_caps(firm, delivered_value60(firm, delivery))
    progress(
        f"delivered {delivery.time.height:,} time entries, {delivery.expenses.height:,} expenses "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    erp = build_erp(firm, delivery, rng)
    breaks = find_breaks(firm, delivery, erp)
    check_attribution(breaks, firm)
    tables = {
        "salesforce": salesforce_tables(firm),
        "ironclad": ironclad_tables(firm),
        "kantata": kantata_tables(firm, delivery),
        "netsuite": netsuite_tables(firm, erp),
    }
    firm_dir = out / "firm"
    if firm_dir.exists():
        shutil.rmtree(firm_dir)
    for vendor, vendor_tables in tables.items():
        write(firm_dir, vendor, vendor_tables)
    state = out / "state"
    if state.exists():
        shutil.rmtree(state)  # simulator state (NetSuite writes) belongs to the previous firm
    manifest = {
        "size": size.name,
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "reporting_currency": REPORTING_CURRENCY,
        "counts": counts(tables),
        "break_counts": dict(sorted(Counter(b["kind"] for b in breaks).items())),
        "breaks": breaks,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (firm_dir / "params.json").write_text(json.dumps({"size": size.name, "seed": seed}) + "\n")
    progress(
        f"wrote {sum(len(v) for v in manifest['counts'].values())} tables, {len(breaks)} breaks "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    return manifest


def counts(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    sf = tables["salesforce"]
    out["salesforce"] = {name: int((~df["IsDeleted"]).sum()) for name, df in sf.items()}
    out["ironclad"] = {"records": tables["ironclad"]["records"].height}
    out["kantata"] = {name: df.height for name, df in tables["kantata"].items()}
    ns = tables["netsuite"]
    out["netsuite"] = {
        name: (ns[table].height if kind is None else int((ns[table]["type"] == kind).sum()))
        for name, (table, kind) in NETSUITE_OBJECTS.items()
    }
    return out


def check_attribution(breaks: list[dict[str, Any]], firm: Firm) -> None:
    """Every break must come from a planted cause: a break on a clean contract is a generator bug."""
    stray = [b for b in breaks if b["cause"] in ("?", "")]
    if stray:
        raise GenerationError(f"{len(stray)} break(s) on contracts with no planted cause, e.g. {stray[:3]}")
