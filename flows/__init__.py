"""Prefect flows of textwash: thin wiring around the pure core in textwash."""
