"""Plan, approve, apply and verify billing-schedule corrections in NetSuite (issue 5). Never imports sandbox/."""
