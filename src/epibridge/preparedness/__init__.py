"""Preparedness under the IHR: WHO's determinations on events, the focal-point directory, and
communication tests of the focal points (issue 17, points 3 to 5; docs/preparedness.md)."""
