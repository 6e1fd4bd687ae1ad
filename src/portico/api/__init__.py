"""REST API and FHIR endpoints."""
