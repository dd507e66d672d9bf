"""dlt sources for Salesforce, Ironclad, Kantata OX and NetSuite. Never imports sandbox/."""
