"""The data: a page of lines with verdicts, its metadata, the record it becomes and the record schemas."""
