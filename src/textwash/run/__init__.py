"""A run over a dataset: plan, stage, commit, and the one driver that does all three."""
