"""Injection through configuration (RELIABILITY.md F18): dbt vars that become SQL — a raw column's name, a
currency code, an id prefix, a CLM property name, a number — are refused by an allow-list when dbt parses
the project, before any SQL runs, with an error naming the var; free text is quoted (its quotes doubled).
Either way the warehouse is unchanged. The first payload below does drop a table when spliced unchecked."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from transform_runner import run_dbt

MODEL = "stg_netsuite__invoice_lines"  # a view over one raw table: the smallest model to run
WORKS_UNCHECKED = ("custcol_c2c_line_key as line_key from source) select * from renamed); drop table "
                   "raw_netsuite.currency; create view staging.c2c_injected as (with source as (select * from "
                   "raw_netsuite.invoice_line), renamed as (select custcol_c2c_line_key")


def _warehouse(data_dir: Path) -> None:
    """The raw tables MODEL reads, plus one an injection would drop."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        con.execute("create schema raw_netsuite")
        con.execute('create table raw_netsuite.invoice_line (id varchar, "transaction" varchar, entity varchar, '
                    "custcol_c2c_line_key varchar, linesequencenumber bigint, item varchar, taxcode varchar, "
                    "accountingperiod varchar, memo varchar, quantity decimal(38,9), rate decimal(38,9), "
                    "foreignamount decimal(38,9), foreigntaxamount decimal(38,9), "
                    "transaction_lastmodifieddate timestamptz, _dlt_load_id varchar)")
        con.execute("insert into raw_netsuite.invoice_line (id, custcol_c2c_line_key) values ('1', 'M1'), ('2', 'M2')")
        con.execute("create table raw_netsuite.currency as select '1' as id, 'USD' as symbol")
    finally:
        con.close()


def _catalog(data_dir: Path) -> dict[str, int]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        names = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in names}
    finally:
        con.close()


@pytest.mark.parametrize(("var", "value"), [
    ("erp_line_key_field", WORKS_UNCHECKED),
    ("erp_line_key_field", 'x"; DROP TABLE raw_netsuite.currency; --'),
    ("reporting_currency", "USD'; drop table raw_netsuite.currency; --"),
    ("erp_schedule_external_id_prefix", "BS-'); drop table raw_netsuite.currency; --"),
    ("milestone_invoice_threshold_business_days", "5; drop table raw_netsuite.currency"),
    ("utilization_weekly_capacity_hours", "40) as x; drop table raw_netsuite.currency; --"),
    ("clm_property_not_to_exceed", "notToExceed' or '1'='1"),
    ("clm_property_rate_prefix", "rate_'; drop table raw_netsuite.currency; --"),
])
def test_a_var_that_does_not_fit_its_allow_list_stops_the_build_before_any_sql(tmp_path: Path, var: str,
                                                                               value: str) -> None:
    _warehouse(tmp_path)
    before = _catalog(tmp_path)
    result = run_dbt(["run", "--select", MODEL, "--vars", json.dumps({var: value})], data_dir=tmp_path)
    assert not result.success
    assert f"var {var} must be" in str(result.exception), result.exception
    assert _catalog(tmp_path) == before  # nothing dropped, nothing created


def test_free_text_vars_are_quoted_literals(tmp_path: Path) -> None:
    _warehouse(tmp_path)
    payload = "ironclad'; drop table raw_netsuite.currency; --"
    result = run_dbt(["compile", "--select", "int_psa_projects_linked_to_contracts",
                      "--vars", json.dumps({"psa_contract_service_name": payload,
                                            "clm_contract_record_types": ["msa", "sow') or ('1'='1"]})],
                     data_dir=tmp_path)
    assert result.success, result.exception
    compiled = next((tmp_path / "dbt" / "target" / "compiled").rglob("int_psa_projects_linked_to_contracts.sql"))
    assert "service_name = 'ironclad''; drop table raw_netsuite.currency; --'" in compiled.read_text()
    contracts = run_dbt(["compile", "--select", "dim_contracts", "--vars",
                         json.dumps({"clm_contract_record_types": ["msa", "sow') or ('1'='1"]})], data_dir=tmp_path)
    assert contracts.success, contracts.exception
    compiled = next((tmp_path / "dbt" / "target" / "compiled").rglob("dim_contracts.sql"))
    assert "in ('msa', 'sow'') or (''1''=''1')" in compiled.read_text()
    assert "raw_netsuite.currency" in _catalog(tmp_path)


def test_the_configured_values_still_build(tmp_path: Path) -> None:
    _warehouse(tmp_path)
    result = run_dbt(["run", "--select", MODEL], data_dir=tmp_path)
    assert result.success, result.exception
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute(f"select line_key from staging.{MODEL} order by 1").fetchall() == [("M1",), ("M2",)]
    finally:
        con.close()
