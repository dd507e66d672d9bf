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
