"""FHIR tests call with the API tests' tokens (``tokens(kind, persona)``)."""

from tests.api.conftest import system_client, tokens  # noqa: F401  (fixtures)
