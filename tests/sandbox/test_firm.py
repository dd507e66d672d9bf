"""The synthetic firm: deterministic, every break kind planted, and a manifest that agrees with the data."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from sandbox.firm.generate import generate
from sandbox.firm.ids import transaction_bases
from sandbox.firm.schema import SCHEMAS
from tests.sandbox.truth import MINOR, differences, recompute

PLANTED_KINDS = {
    "time_at_superseded_rate",
    "milestone_not_invoiced",
    "billing_schedule_drift",
    "over_cap",
    "contract_without_project",
    "project_without_contract",
    "rate_card_mismatch",
    "unmatched_entity",
    "revenue_vs_delivery",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny")
    return out, generate("tiny", 42, out)


def _tables(firm: Path) -> dict[str, pl.DataFrame]:
    return {f"{p.parent.name}/{p.stem}": pl.read_parquet(p) for p in sorted(firm.glob("*/*.parquet"))}


def test_same_seed_same_firm(tiny: tuple[Path, dict], tmp_path: Path) -> None:
    out, manifest = tiny
    again = generate("tiny", 42, tmp_path)
    assert again == manifest
    first, second = _tables(out / "firm"), _tables(tmp_path / "firm")
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].equals(second[name]), f"{name} differs between two runs with the same seed"


def test_other_seed_other_firm(tiny: tuple[Path, dict], tmp_path: Path) -> None:
    other = generate("tiny", 43, tmp_path)
    assert other["breaks"] != tiny[1]["breaks"]


@pytest.mark.parametrize("seed", [1, 42, 2024])
def test_every_planted_kind_at_tiny(seed: int, tmp_path: Path) -> None:
    manifest = generate("tiny", seed, tmp_path)
    kinds = {b["kind"] for b in manifest["breaks"]}
    assert kinds == PLANTED_KINDS, f"missing {PLANTED_KINDS - kinds}, unexpected {kinds - PLANTED_KINDS}"


def test_manifest_format(tiny: tuple[Path, dict]) -> None:
    out, manifest = tiny
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == manifest
    assert {"size", "seed", "as_of", "reporting_currency", "counts", "breaks"} <= set(manifest)
    dt.date.fromisoformat(manifest["as_of"])
    assert set(manifest["counts"]) == {"salesforce", "ironclad", "kantata", "netsuite"}
    for brk in manifest["breaks"]:
        assert brk["kind"] in PLANTED_KINDS
        assert brk["ids"] and all(isinstance(v, str) for v in brk["ids"].values())
        assert set(brk["ids"]) <= {"salesforce", "ironclad", "kantata", "netsuite"}
        impact = Decimal(brk["impact"])
        if brk["contract_currency"]:
            # exact to the currency's minor unit: JPY "12000", USD "12.50", KWD "1.250"
            assert -impact.as_tuple().exponent == MINOR[brk["contract_currency"]], brk
        else:
            assert impact == 0
    # a rate difference is a break even when its money rounds to 0 (ruling 9): time_at_superseded_rate may be 0
    money_kinds = {"milestone_not_invoiced", "over_cap", "revenue_vs_delivery"}
    assert all(Decimal(b["impact"]) != 0 for b in manifest["breaks"] if b["kind"] in money_kinds)


# what each cause settled by a ruling yields at tiny (cases.py): exact counts, None = at least one
RULING_CASES: dict[str, dict[str, int | None]] = {
    "ret_start_moved": {
        "billing_schedule_drift": 1
    },  # ruling 4: the full first month invoiced, an adjustment due
    "ret_end_moved": {
        "billing_schedule_drift": 1
    },  # ruling 4: the full last month invoiced, an adjustment due
    "ret_partial_months": {},  # rulings 4 and 12: prorated months booked right
    "ff_adj_held": {
        "revenue_vs_delivery": 1
    },  # ruling 2: the held adjustment does not drift (ruling 10 restates)
    "ff_voided_invoice": {"milestone_not_invoiced": 1, "revenue_vs_delivery": 1},  # ruling 8
    "ff_voided_reissued": {},  # ruling 8: the re-issue invoices
    "ff_pending_approval": {},  # ruling 11
    "tm_role_added_off_card": {"rate_card_mismatch": 1, "time_at_superseded_rate": None},  # ruling 7
    "tm_cent_rate": {"rate_card_mismatch": 1, "time_at_superseded_rate": None},  # ruling 9
    "tm_co_before_start": {},  # ruling 12
}


@pytest.mark.parametrize("seed", [1, 42, 2024])
def test_cases_the_rulings_settle(seed: int, tmp_path: Path) -> None:
    manifest = generate("tiny", seed, tmp_path)
    for cause, expected in RULING_CASES.items():
        mine = [b for b in manifest["breaks"] if cause in b["cause"].split(",")]
        kinds = {k: sum(b["kind"] == k for b in mine) for k in {b["kind"] for b in mine}}
        assert kinds.keys() == expected.keys(), (cause, kinds)
        for kind, n in expected.items():
            assert kinds[kind] == n if n is not None else kinds[kind] >= 1, (cause, kinds)
    by_cause = {b["cause"]: b for b in manifest["breaks"] if b["kind"] == "billing_schedule_drift"}
    assert (
        Decimal(by_cause["ret_start_moved"]["impact"]) < 0
        and Decimal(by_cause["ret_end_moved"]["impact"]) < 0
    )
    cent = [
        b
        for b in manifest["breaks"]
        if b["cause"] == "tm_cent_rate" and b["kind"] == "time_at_superseded_rate"
    ]
    assert any(Decimal(b["impact"]) == 0 for b in cent), (
        "the short entry's difference rounds to 0 and is still a break"
    )
    assert {b["contract_currency"] for b in cent} == {
        "KWD"
    }  # the first plant: three decimals (then JPY, USD)


def test_voided_invoice_in_the_erp(tiny: tuple[Path, dict]) -> None:
    """The generator voids as the simulator does (sandbox/netsuite/voiding.py): zeroed, with its revenue reversed."""
    out, _ = tiny
    txn = pl.read_parquet(out / "firm/netsuite/transaction.parquet")
    lines = pl.read_parquet(out / "firm/netsuite/transactionline.parquet")
    voided = txn.filter(pl.col("status") == "Voided")
    assert voided.height == 2  # ff_voided_invoice and ff_voided_reissued, planted once each at tiny
    assert (voided["foreigntotal"] == 0).all()
    assert (lines.filter(pl.col("transaction").is_in(voided["id"].implode()))["foreignamount"] == 0).all()
    for tranid in voided["tranid"]:
        journal = txn.filter(pl.col("memo") == f"Void of {tranid}")
        assert journal["type"].to_list() == ["Journal"] and journal["foreigntotal"][0] < 0
    assert txn.filter(pl.col("memo").str.starts_with("Re-issue of")).height == 1
    assert txn.filter(pl.col("status") == "Pending Approval").height == 1


def test_counts_are_live_records(tiny: tuple[Path, dict]) -> None:
    out, manifest = tiny
    accounts = pl.read_parquet(out / "firm/salesforce/Account.parquet")
    assert manifest["counts"]["salesforce"]["Account"] == accounts.filter(~pl.col("IsDeleted")).height
    assert accounts.filter(pl.col("IsDeleted")).height > 0, "queryAll needs deleted rows to find"
    entries = pl.read_parquet(out / "firm/kantata/time_entries.parquet")
    assert manifest["counts"]["kantata"]["time_entries"] == entries.height
    txn = pl.read_parquet(out / "firm/netsuite/transaction.parquet")
    assert manifest["counts"]["netsuite"]["invoice"] == txn.filter(pl.col("type") == "CustInvc").height


def test_transaction_ids_are_unique_across_types(tiny: tuple[Path, dict]) -> None:
    """One internal-id sequence for every transaction type, as NetSuite has: a payment application's
    `nextdoc` (or a line's `transaction`) names one transaction."""
    out, _ = tiny
    txn = pl.read_parquet(out / "firm/netsuite/transaction.parquet")
    assert txn["id"].n_unique() == txn.height
    starts = txn.group_by("type").agg(pl.col("id").min()).sort("type").rows()
    assert starts == [("CustInvc", 100_001), ("CustPymt", 300_001), ("Journal", 500_001)]  # the usual bases


@pytest.mark.parametrize(
    "counts",
    [(316, 285, 329), (200_000, 1, 1), (200_001, 195_502, 205_000), (208_000, 300_000, 10)],
)
def test_a_large_firm_moves_transaction_ranges_up_rather_than_overlap(counts: tuple[int, int, int]) -> None:
    """The large firm has more than 200,000 invoices: numbered from the usual bases (100000, 300000, 500000)
    its invoices took its payments' ids, and payment applications joined to two transactions."""
    bases = transaction_bases(*counts)
    ranges = [range(base + 1, base + n + 1) for base, n in zip(bases, counts, strict=True)]
    assert all(a[-1] < b[0] for a, b in itertools.pairwise(ranges))
    assert bases[0] == 100_000 and all(base % 100_000 == 0 for base in bases)
    if counts[0] <= 200_000 and counts[1] <= 200_000:
        assert bases == (100_000, 300_000, 500_000)


def test_firm_shape(tiny: tuple[Path, dict]) -> None:
    out, _ = tiny
    docs = [json.loads(d) for d in pl.read_parquet(out / "firm/ironclad/records.parquet")["doc"]]
    sows = [d for d in docs if d["type"] == "sow"]
    assert {d["properties"]["billingModel"]["value"] for d in sows} == {
        "time_and_materials",
        "fixed_fee",
        "retainer",
    }
    assert {d["properties"]["contractCurrency"]["value"] for d in sows} == {"USD", "EUR", "GBP", "JPY", "KWD"}
    amendments = [d for d in docs if d["type"] == "amendment"]
    statuses = {d["properties"]["approvalStatus"]["value"] for d in amendments}
    assert {"approved", "draft", "in_review"} <= statuses
    retro = [
        d
        for d in amendments
        if d["properties"]["approvalStatus"]["value"] == "approved"
        and d["properties"]["approvedAt"]["value"][:10] > d["properties"]["effectiveDate"]["value"][:10]
    ]
    assert retro, "at least one retroactive change order"
    entries = pl.read_parquet(out / "firm/kantata/time_entries.parquet")
    assert 1_500 <= entries.height <= 4_000
    assert (entries["time_in_minutes"] > 0).all()


def test_money_is_decimal_everywhere() -> None:
    for vendor, tables in SCHEMAS.items():
        for table, columns in tables.items():
            for name, dtype in columns.items():
                assert dtype not in (pl.Float32, pl.Float64), f"{vendor}.{table}.{name} is a float"
                if re.search(r"(amount|price|total|rate|_in_cents)$", name.lower()):
                    # exact decimals, or the vendor's own integer subunits (Kantata cents)
                    assert isinstance(dtype, pl.Decimal) or dtype == pl.Int64, (
                        f"{vendor}.{table}.{name} is {dtype}"
                    )


def test_manifest_agrees_with_the_records_tiny(tiny: tuple[Path, dict]) -> None:
    out, manifest = tiny
    problems = differences(
        manifest["breaks"], recompute(out / "firm", dt.date.fromisoformat(manifest["as_of"]))
    )
    assert not problems, "\n".join(problems[:20])


def test_manifest_agrees_with_the_records_small(tmp_path: Path) -> None:
    manifest = generate("small", 7, tmp_path)
    problems = differences(
        manifest["breaks"], recompute(tmp_path / "firm", dt.date.fromisoformat(manifest["as_of"]))
    )
    assert not problems, "\n".join(problems[:20])


@pytest.mark.slow
def test_manifest_agrees_with_the_records_medium(tmp_path: Path) -> None:
    manifest = generate("medium", 42, tmp_path)
    assert 800_000 <= manifest["counts"]["kantata"]["time_entries"] <= 1_300_000
    problems = differences(
        manifest["breaks"], recompute(tmp_path / "firm", dt.date.fromisoformat(manifest["as_of"]))
    )
    assert not problems, "\n".join(problems[:20])
