"""textwash: scraped web articles in, clean typed Parquet records out."""

__version__ = "0.1.0"
