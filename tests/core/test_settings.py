"""The kernel's one settings loader: one name per setting through dlt's providers, typed values, secrets never
in messages, and the sandbox-or-real decision that the sources and the as-of date share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core import settings
from core.errors import ConfigError
from reverse_etl.settings import Knobs
from transform_runner import default_as_of


def use_dlt_project(run_dir: Path) -> None:
    """Point dlt's providers at `run_dir` (its .dlt/config.toml and secrets.toml), read afresh."""
    from dlt.common.configuration.container import Container
    from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

    Container()[PluggableRunContext].reload(str(run_dir))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    for name in ("C2C_AS_OF", *(f"SOURCES__{v.upper()}__BASE_URL" for v in settings.VENDORS)):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "manifest.json").write_text(json.dumps({"as_of": "2026-10-15"}))
    (tmp_path / ".dlt").mkdir()
    use_dlt_project(tmp_path)  # no .dlt/ of the repository
    yield tmp_path
    use_dlt_project(Path.cwd())


def test_a_setting_has_one_name_in_every_provider(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.env_name("reverse_etl.max_concurrency") == "REVERSE_ETL__MAX_CONCURRENCY"
    monkeypatch.setenv("REVERSE_ETL__MAX_CONCURRENCY", "3")
    assert Knobs.load().max_concurrency == 3
    (data_dir / ".dlt" / "config.toml").write_text("[reverse_etl]\nauto_apply_max_impact = \"250.50\"\n")
    use_dlt_project(data_dir)
    assert Knobs.load().auto_apply_max_impact == Decimal("250.50")


def test_a_value_of_the_wrong_type_names_the_setting_and_its_type(data_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVERSE_ETL__MAX_ATTEMPTS", "many")
    with pytest.raises(ConfigError, match=r"reverse_etl\.max_attempts \(env REVERSE_ETL__MAX_ATTEMPTS\) must be a int"):
        Knobs.load()


def test_a_missing_secret_is_named_never_shown(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__KANTATA__BASE_URL", "https://api.mavenlink.com/api/v1")
    with pytest.raises(ConfigError, match="sources.kantata.access_token"):
        settings.require("sources.kantata.access_token", secret=True, vendor="kantata")


def test_the_sandbox_date_is_the_default_only_while_the_sandbox_is_the_target(data_dir: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_as_of(data_dir) == "2026-10-15"
    monkeypatch.setenv("C2C_AS_OF", "2026-11-30")
    assert default_as_of(data_dir) == "2026-11-30"
    monkeypatch.delenv("C2C_AS_OF")
    # a vendor configured in .dlt/config.toml (not the environment) with a leftover sandbox manifest: today
    (data_dir / ".dlt" / "config.toml").write_text(
        "[sources.netsuite]\nbase_url = \"https://1234567.suitetalk.api.netsuite.com/services/rest\"\n")
    use_dlt_project(data_dir)
    assert not settings.sandbox_is_target()
    assert default_as_of(data_dir) is None
