"""The epidemic database: series, observations with revisions, submissions, queries."""
