"""The kernel: what every part of the platform shares — the data dir and its paths, the one settings loader,
the URL allow-list, the retry vocabulary, NetSuite's error body, the warehouse connection and the command-line
output helpers. It imports no part of the platform (ingestion, transform_runner, reverse_etl, sandbox,
orchestration, c2c); the parts import it (`make lint` checks both directions)."""
