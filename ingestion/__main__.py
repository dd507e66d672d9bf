"""`python -m ingestion [vendor|all]`: run the dlt sources locally, without Dagster."""

from .cli import ingest

ingest(prog_name="python -m ingestion")
