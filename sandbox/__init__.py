"""The embedded stand-in for the firm's four systems: a synthetic firm, four vendor-faithful simulators,
fault injection and the ground-truth manifest. Nothing in ingestion/, transform/ or reverse_etl/ imports it."""
