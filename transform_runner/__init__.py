"""The transform step in Python: runs the dbt project in transform/ (where every business rule lives, as SQL)
against a data dir's warehouse — the as-of date (as_of.py), what must be rebuilt (changes.py), dbt itself
(dbt.py) and the build with its summary (build.py). It computes no rule itself."""

from .as_of import check_as_of, default_as_of
from .build import BuildSummary, build, build_changed, check_warehouse
from .changes import BuildPlan
from .dbt import profile_targets, project_var, resolve_target, run_dbt
from .exceptions import open_exceptions_by_kind

__all__ = ["BuildPlan", "BuildSummary", "build", "build_changed", "check_as_of", "check_warehouse", "default_as_of",
           "open_exceptions_by_kind", "profile_targets", "project_var", "resolve_target", "run_dbt"]
