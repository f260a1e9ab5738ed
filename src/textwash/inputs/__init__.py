"""Inputs: finding raw files, reading them into items, decoding, repairing, extracting HTML, telling the language."""
