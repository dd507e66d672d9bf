"""Plan, approve, apply and verify billing-schedule corrections in NetSuite. Never imports sandbox/."""
