"""Dagster wiring of the platform (issue 6): assets, checks, jobs, schedules, sensors. Wiring only."""
