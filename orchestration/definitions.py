"""The Dagster entry point that workspace.yaml loads.

The asset graph (dlt sources, dbt models, the reverse-ETL plan) is added stage by stage; until the
ingestion stage lands there is nothing to orchestrate, so the definitions are empty on purpose.
"""

import dagster as dg

defs = dg.Definitions()
