"""Which contract ids the warehouse knows — for `--contracts` of `c2c reverse-etl plan | approve`, so that a
mistyped id is an error listing it, not a plan with "nothing to correct". Known: the CLM contract ids and
contract keys of the canonical contracts model and of the sync feed's headers (built by `c2c transform`)."""

from __future__ import annotations

import duckdb

from .errors import FeedError
from .plan import HEADERS
from .store import Store

CONTRACTS = "canonical.dim_contracts"


def known_contracts(store: Store) -> set[str]:
    try:
        rows = store.rows(f"select clm_contract_id, contract_key from {CONTRACTS} "
                          f"union select clm_contract_id, contract_key from {HEADERS}")
    except duckdb.Error as exc:  # the models are not built yet (or not any more)
        raise FeedError(f"cannot read the contracts ({CONTRACTS}, {HEADERS}): "
                        f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from exc
    return {str(v) for r in rows for v in r.values() if v is not None}


def unknown_contracts(store: Store, ids: list[str]) -> list[str]:
    """The ids (CLM contract ids such as IC-1041, or contract keys) the warehouse does not know, sorted."""
    known = known_contracts(store)
    return sorted({i for i in ids if i not in known})
