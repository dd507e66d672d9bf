"""Dagster wiring of the platform: assets, checks, jobs, schedules, sensors. Wiring only."""
