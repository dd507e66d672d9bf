"""Known fake secrets appear nowhere a run leaves (RELIABILITY.md "Security rules"): the sandbox's credentials
are set to recognisable values (the Salesforce and Ironclad client secrets and Kantata's token reach the
platform through endpoints.json; NetSuite's private keys through their key files), and every secret setting
the platform reads from the environment is set too. After `c2c ingest all`, `c2c transform`, the
`nightly_refresh` Dagster job and three runs that fail on refused credentials, none of those values is found
in: the commands' output and error messages, Python logs, dlt's pipeline state, traces, schemas and load
packages, dbt's logs and target files, the warehouse's tables, and Dagster's event log and run storage."""

from __future__ import annotations

import gzip
import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

import duckdb
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MARK = "c2cFakeSecret"
ENV_SECRETS = {  # secret settings the platform reads from the environment (.env.example), unused here
    "C2C_PG_PASSWORD": f"{MARK}PgPassword01",
    "C2C_DAGSTER_PG_PASSWORD": f"{MARK}DagsterPg02",
    "DESTINATION__POSTGRES__CREDENTIALS": f"postgresql://loader:{MARK}DestPw03@127.0.0.1:5432/c2c",
    "SOURCES__SALESFORCE__CLIENT_SECRET": f"{MARK}SfEnv04",
    "SOURCES__KANTATA__ACCESS_TOKEN": f"{MARK}KantataEnv05",
    "REVERSE_ETL__NETSUITE__PRIVATE_KEY": f"{MARK}WriterKeyEnv06",
}
SANDBOX_SECRETS = {  # vendor -> credential field -> value, through endpoints.json
    "salesforce": {"client_secret": f"{MARK}Salesforce07"},
    "ironclad": {"client_secret": f"{MARK}Ironclad08"},
    "kantata": {"access_token": f"{MARK}KantataToken09"},
}
NOT_THE_PLATFORMS = ("sandbox/run", "sandbox/keys", "sandbox/endpoints.json")  # where the secrets are set


def _c2c(data_dir: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "c2c", *args], env={**env, "C2C_DATA_DIR": str(data_dir)},
                          check=False, capture_output=True, text=True, timeout=1200)


def _texts(path: Path) -> Iterator[str]:
    """What a file holds, as text: database rows, parquet values, decompressed or raw bytes."""
    data = path.read_bytes()
    if data[:16] == b"SQLite format 3\x00":
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            yield from con.iterdump()
        finally:
            con.close()
        return
    if path.suffix == ".parquet" or data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        yield str(pq.read_table(path).to_pylist())
        return
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    yield data.decode("utf-8", "replace")


def _warehouse_hits(path: Path, secrets: list[str]) -> list[str]:
    """Every text column of every table, searched in SQL (the file's own storage may be compressed)."""
    con = duckdb.connect(str(path), read_only=True)
    hits = []
    try:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where data_type in ('VARCHAR', 'JSON', 'BLOB')").fetchall()
        for schema, table, column in columns:
            for secret in secrets:
                found = con.execute(f'select count(*) from "{schema}"."{table}" where cast("{column}" as varchar) '
                                    "like '%' || ? || '%'", [secret]).fetchone()[0]
                if found:
                    hits.append(f"{path}: {schema}.{table}.{column}")
    finally:
        con.close()
    return hits


def _needles(secrets: list[str]) -> list[str]:
    """Each secret as written, and URL-encoded (a form body, a DSN in a log line)."""
    return sorted({form for s in secrets for form in (s, quote_plus(s))})


def scan(data_dir: Path, outputs: list[str], needles: list[str]) -> tuple[int, list[str]]:
    """(files scanned, where a needle was found) over the outputs and every file of the data dir that the
    platform wrote (the sandbox's own credential files excluded)."""
    hits = [f"output {n}" for n, text in enumerate(outputs) for s in needles if s in text]
    scanned = 0
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(data_dir).as_posix()
        if relative.startswith(NOT_THE_PLATFORMS):
            continue
        scanned += 1
        if path.suffix == ".duckdb":
            hits += _warehouse_hits(path, needles)
        for text in _texts(path):
            hits += [f"{relative}: {s[:len(MARK) + 4]}…" for s in needles if s in text]
    return scanned, hits


def test_the_scan_finds_a_secret_in_every_kind_of_file_a_run_leaves(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    secret = f"{MARK}Canary10"
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw; create table raw.t as select 'x' as a, ? as b", [secret])
    con.execute("insert into raw.t select 'y', 'z' from range(100000)")  # compressed storage
    con.close()
    pq.write_table(pa.table({"v": [secret] * 1000}), tmp_path / "job.parquet", compression="zstd")
    (tmp_path / "job.jsonl.gz").write_bytes(gzip.compress(json.dumps({"v": secret}).encode()))
    lite = sqlite3.connect(tmp_path / "events.db")
    lite.execute("create table event_logs (event text)")
    lite.execute("insert into event_logs values (?)", [json.dumps({"message": secret})])
    lite.commit()
    lite.close()
    (tmp_path / "dbt.log").write_text(f"password={quote_plus(secret)}")
    scanned, hits = scan(tmp_path, [f"Error: {secret}"], _needles([secret]))
    found = {Path(hit.split(":")[0]).name for hit in hits}
    assert scanned == 5 and found == {"output 0", "warehouse.duckdb", "job.parquet", "job.jsonl.gz", "events.db",
                                      "dbt.log"}, hits


def test_no_secret_appears_in_anything_a_run_leaves(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    from sandbox.admin import Admin
    from sandbox.common.vendor import load
    from sandbox.firm.generate import generate
    from sandbox.server import credentials, down, up

    data = tmp_path / "data"
    generate("tiny", 42, data / "sandbox")
    made = {vendor: load(vendor).make_credentials() for vendor in ("salesforce", "ironclad", "kantata")}
    for vendor, fields in SANDBOX_SECRETS.items():
        made[vendor].update(fields)
    run = data / "sandbox" / "run"
    run.mkdir(parents=True)
    (run / "credentials.json").write_text(json.dumps(made))
    keys = credentials(data)["netsuite"]  # NetSuite's integrations get their key pairs (files) here
    secrets = [v for fields in SANDBOX_SECRETS.values() for v in fields.values()] + list(ENV_SECRETS.values())
    for integration in (keys, keys["writer"]):
        body = Path(integration["private_key_file"]).read_text().splitlines()[1:-1]
        secrets += [body[len(body) // 2], body[-2]]  # two 64-character lines of each private key
    env = {**os.environ, **ENV_SECRETS, "DAGSTER_HOME": str(data / "dagster")}
    outputs: list[str] = []
    old = {name: os.environ.get(name) for name in [*ENV_SECRETS, "C2C_DATA_DIR", "DAGSTER_HOME"]}
    up(data, log=lambda _: None)
    try:
        ingest = _c2c(data, "ingest", "all", env=env)
        outputs += [ingest.stdout, ingest.stderr]
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        transform = _c2c(data, "transform", env=env)
        outputs += [transform.stdout, transform.stderr]
        assert transform.returncode == 0, transform.stdout + transform.stderr

        os.environ.update({**ENV_SECRETS, "C2C_DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster")})
        from orchestration.definitions import defs

        (data / "dagster").mkdir()
        with dg.instance_for_test(temp_dir=str(data / "dagster")) as instance, caplog.at_level(logging.DEBUG):
            result = defs.resolve_job_def("nightly_refresh").execute_in_process(instance=instance,
                                                                                raise_on_error=False)
            assert result.success
            outputs += [str(event) for event in instance.all_logs(result.run_id)]
        outputs.append(caplog.text)

        # refused credentials: the errors say which setting, never its value
        for vendor, fault in (("salesforce", {"path": "oauth2/token"}), ("ironclad", {"path": "oauth/token"}),
                              ("netsuite", {"path": "oauth2/v1/token"})):
            with Admin(vendor, data) as admin:
                admin.add_fault(kind="error", status=401, **fault)
                failed = _c2c(data, "ingest", vendor, env=env)
                admin.clear_faults()
            outputs += [failed.stdout, failed.stderr]
            assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
        with Admin("kantata", data) as admin:
            admin.expire_tokens()
        failed = _c2c(data, "ingest", "kantata", env=env)
        outputs += [failed.stdout, failed.stderr]
        assert failed.returncode != 0 and "access_token" in failed.stderr, failed.stderr

        # configured accounts, whose secrets the platform reads from the environment: a private key that is
        # not one, a PostgreSQL warehouse that refuses the connection
        netsuite = {"SOURCES__NETSUITE__BASE_URL": "https://1234567.suitetalk.api.netsuite.com/services/rest",
                    "SOURCES__NETSUITE__CLIENT_ID": "cid", "SOURCES__NETSUITE__CERTIFICATE_ID": "cert",
                    "SOURCES__NETSUITE__PRIVATE_KEY": f"{MARK}NetSuiteKeyEnv11"}
        secrets.append(netsuite["SOURCES__NETSUITE__PRIVATE_KEY"])
        failed = _c2c(data, "ingest", "netsuite", env={**env, **netsuite})
        outputs += [failed.stdout, failed.stderr]
        assert failed.returncode != 0 and "sources.netsuite.private_key" in failed.stderr, failed.stderr
        failed = _c2c(data, "transform", "--target", "postgres", env={**env, "C2C_PG_PORT": "1"})
        outputs += [failed.stdout, failed.stderr]
        assert failed.returncode != 0
        # a secret resolved in the process of a dlt run: dlt's trace keeps the resolved settings
        from ingestion.common.settings import resolve
        from ingestion.run import run_vendor

        monkeypatch.setenv("SOURCES__SALESFORCE__BASE_URL", "https://acme.my.salesforce.com")
        monkeypatch.setenv("SOURCES__SALESFORCE__CLIENT_ID", "cid")
        resolve("salesforce")
        run_vendor("ironclad", say=outputs.append)  # (Kantata's token was expired above)
        monkeypatch.delenv("SOURCES__SALESFORCE__BASE_URL")
    finally:
        down(data)
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    needles = _needles(secrets)
    scanned, hits = scan(data, outputs, needles)
    assert scanned > 50 and (data / "dlt").is_dir() and list((data / "dagster").rglob("*.db"))
    assert not hits, "secrets found:\n" + "\n".join(sorted(set(hits)))
