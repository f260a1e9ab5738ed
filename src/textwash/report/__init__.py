"""The HTML report of a dataset: overview, removal reasons, and every document with its cuts."""
from textwash.report.render import DatasetError, open_rows, write_report

__all__ = ["DatasetError", "open_rows", "write_report"]
