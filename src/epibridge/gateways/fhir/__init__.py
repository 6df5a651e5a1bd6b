"""The FHIR R4 gateway."""
