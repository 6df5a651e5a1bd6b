"""Faces for other systems' formats (DHIS2, FHIR, SDMX, EDXL): they translate, the services rule."""
