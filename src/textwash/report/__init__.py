"""The HTML report of a dataset: overview, removal reasons, and every document with its cuts.

figures.py reads the dataset (the overview's figures and the document list, with Arrow), colours.py
gives each removal reason its ink, render.py writes the pages (incrementally: only the documents
new or changed since the last report).
"""
from textwash.report.figures import DatasetError, open_rows, row_batches
from textwash.report.render import write_report

__all__ = ["DatasetError", "open_rows", "row_batches", "write_report"]
