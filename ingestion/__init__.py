"""dlt sources for Salesforce, Ironclad, Kantata OX and NetSuite (issue 3). Never imports sandbox/."""
