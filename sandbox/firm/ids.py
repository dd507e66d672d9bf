"""Vendor ids of generated entities (one place, so wire tables and the manifest agree)."""

from __future__ import annotations


def workspace_id(project_idx: int) -> str:
    return str(100000 + project_idx)


def time_entry_id(entry: int) -> str:
    return str(40_000_000 + entry)


def expense_id(expense: int) -> str:
    return str(9_000_000 + expense)


def job_id(contract_idx: int) -> int:
    return 5000 + contract_idx


def orphan_job_id(n_contracts: int, i: int) -> int:
    return 5000 + n_contracts + 1 + i


def schedule_id(contract_idx: int) -> int:
    return 8000 + contract_idx


def missing_sow_ref(i: int) -> str:
    """An Ironclad id that no record has (dangling references)."""
    return f"IC-{90000 + i}"


ID_BLOCK = 100_000
TRANSACTION_BASES = (100_000, 300_000, 500_000)  # invoices, customer payments, journals


def transaction_bases(invoices: int, payments: int, journals: int) -> tuple[int, int, int]:
    """The id before the first invoice, customer payment and journal (ids are `base + n`, n from 1).

    NetSuite numbers every transaction type from one internal-id sequence, so an id names one transaction
    whatever its type (`previoustransactionlink.nextdoc`, `transactionline.transaction` join on it alone).
    Each type keeps its usual base while the type before it fits below it; a larger firm starts the type at
    the next free 100,000 block instead (large: more than 200,000 invoices)."""
    bases: list[int] = []
    last = 0  # the last id the types before use
    for usual, count in zip(TRANSACTION_BASES, (invoices, payments, journals), strict=True):
        base = max(usual, -(-last // ID_BLOCK) * ID_BLOCK)
        bases.append(base)
        last = base + count
    return bases[0], bases[1], bases[2]
