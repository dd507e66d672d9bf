"""`c2c sandbox up --size tiny --detach` serves four APIs that a plain HTTP client pages through exactly as
the vendors document; `down` stops them; the CLI's fault knobs reach the simulators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.settings import netsuite_sandbox
from tests.sandbox.pagers import page_ironclad, page_kantata, page_netsuite, page_salesforce

pytestmark = pytest.mark.integration


def c2c(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "C2C_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "c2c", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # the caller decides; a failure is raised below with its output
    if check and result.returncode:
        raise AssertionError(
            f"c2c {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="module")
def cli_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("cli-data")
    result = c2c(data_dir, "sandbox", "up", "--size", "tiny", "--detach", "--json")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["size"] == "tiny" and set(out["base_urls"]) == {
        "salesforce",
        "ironclad",
        "kantata",
        "netsuite",
    }
    yield data_dir
    c2c(data_dir, "sandbox", "down")


def endpoints(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "sandbox" / "endpoints.json").read_text())


def test_endpoints_file_has_the_documented_shape(cli_sandbox: Path) -> None:
    ep = endpoints(cli_sandbox)
    assert ep["salesforce"]["api_version"]
    assert ep["ironclad"]["base_url"].endswith("/public/api/v1")
    assert ep["ironclad"]["headers"].get("x-as-user-email")
    assert ep["kantata"]["base_url"].endswith("/api/v1") and ep["kantata"]["token_request"] is None
    assert ep["netsuite"]["base_url"].endswith("/services/rest")
    assert ep["netsuite"]["write_access_token"] and ep["netsuite"]["token_request"] is None
    for integration, role in (
        ("m2m", "reader"),
        ("write_m2m", "writer"),
    ):  # signed by the client, key in a 0600 file
        m2m = ep["netsuite"][integration]
        assert set(m2m) == {"token_url", "client_id", "certificate_id", "private_key_file"}
        key = Path(m2m["private_key_file"])
        assert key.name == f"netsuite-{role}.pem" and key.parent == cli_sandbox / "sandbox" / "keys"
        assert oct(key.stat().st_mode)[-3:] == "600" and oct(key.parent.stat().st_mode)[-3:] == "700"
    for vendor, entry in ep.items():
        assert entry["access_token"], vendor
        assert entry["base_url"].startswith("http://127.0.0.1:"), vendor
        if entry["token_request"]:
            assert set(entry["token_request"]) == {"url", "form"}
    assert oct((cli_sandbox / "sandbox" / "endpoints.json").stat().st_mode)[-3:] == "600"


def test_a_plain_client_pages_every_vendor_to_the_end(cli_sandbox: Path) -> None:
    ep = endpoints(cli_sandbox)
    manifest = json.loads((cli_sandbox / "sandbox" / "manifest.json").read_text())
    counts = manifest["counts"]
    with httpx.Client(timeout=30) as client:
        assert page_salesforce(client, ep["salesforce"])[0] == counts["salesforce"]["Account"]
        assert page_ironclad(client, ep["ironclad"])[0] == counts["ironclad"]["records"]
        records, pages = page_kantata(client, ep["kantata"])
        assert records == counts["kantata"]["time_entries"] and pages > 5
        total = sum(counts["netsuite"][k] for k in ("invoice", "customerPayment", "journalEntry"))
        assert page_netsuite(client, ep["netsuite"])[0] == total


def test_fault_and_token_knobs_through_the_cli(cli_sandbox: Path) -> None:
    reader = netsuite_sandbox(endpoints(cli_sandbox)["netsuite"], "m2m")
    ep = endpoints(cli_sandbox)["netsuite"]
    with httpx.Client(timeout=30) as client:
        token = client.post(reader.token_url, data=reader.token_form()).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Prefer": "transient"}
        url = ep["base_url"] + "/query/v1/suiteql?limit=5"
        c2c(
            cli_sandbox,
            "sandbox",
            "fault",
            "add",
            "netsuite",
            "--kind",
            "error",
            "--status",
            "429",
            "--count",
            "1",
        )
        throttled = client.post(url, json={"q": "SELECT id FROM customer"}, headers=headers)
        assert throttled.status_code == 429
        assert throttled.json()["o:errorDetails"][0]["o:errorCode"]
        assert "Retry-After" not in throttled.headers  # NetSuite documents none
        assert client.post(url, json={"q": "SELECT id FROM customer"}, headers=headers).status_code == 200
        listed = json.loads(
            c2c(cli_sandbox, "sandbox", "fault", "list", "netsuite", "--json").stdout.splitlines()[-1]
        )
        assert listed["faults"][0]["applied"] == 1
        c2c(cli_sandbox, "sandbox", "fault", "clear", "all")
        c2c(cli_sandbox, "sandbox", "expire-tokens", "netsuite")
        expired = client.post(url, json={"q": "SELECT id FROM customer"}, headers=headers)
        assert expired.status_code == 401
        assert expired.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


def test_down_stops_every_simulator(tmp_path: Path) -> None:
    c2c(tmp_path, "sandbox", "up", "--size", "tiny", "--detach")
    ep = endpoints(tmp_path)
    stopped = json.loads(c2c(tmp_path, "sandbox", "down", "--json").stdout.splitlines()[-1])["stopped"]
    assert sorted(stopped) == ["ironclad", "kantata", "netsuite", "salesforce"]
    assert not (tmp_path / "sandbox" / "endpoints.json").exists()
    for entry in ep.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(entry["base_url"], timeout=2)
