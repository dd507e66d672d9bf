"""The dbt project as Dagster sees it. Its manifest lives in transform/target (git-ignored): `dagster dev`
re-parses it at start (prepare_if_dev); elsewhere `ensure_manifest()` parses it again when it is missing or
the project changed (its fingerprint, transform_runner/changes.py); a deployment runs
`dagster-dbt project prepare-and-package`."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from core.paths import DBT_PROJECT_DIR as PROJECT_DIR

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=Path("target"))
dbt_project.prepare_if_dev()


def ensure_manifest() -> Path:
    """The manifest, parsed again when it is missing or the dbt project changed since it was parsed."""
    from transform_runner.changes import project_fingerprint

    stamp = dbt_project.manifest_path.with_name("c2c_project_fingerprint")
    fingerprint = project_fingerprint(PROJECT_DIR)
    if not dbt_project.manifest_path.exists() or not stamp.exists() or stamp.read_text() != fingerprint:
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(PROJECT_DIR), "--profiles-dir",
                                     str(PROJECT_DIR), "--target-path", str(dbt_project.manifest_path.parent)])
        if not result.success:
            raise RuntimeError(f"dbt parse failed for {PROJECT_DIR}: {result.exception}")
        stamp.write_text(fingerprint)
    return dbt_project.manifest_path
