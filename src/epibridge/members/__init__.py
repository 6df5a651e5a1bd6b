"""The organization profile (states, statuses over time, chair, bodies) and its accounts."""
