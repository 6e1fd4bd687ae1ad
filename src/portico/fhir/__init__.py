"""FHIR R4 mapping (Da Vinci PAS, CARIN Blue Button EOB): pure Python, no Django, no views."""
