"""The one exception for an input that cannot become a document: it ends as a reject row."""
from __future__ import annotations


class Rejected(ValueError):
    """`reason` is a short stable code for the reject row; `detail` says what was wrong."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
