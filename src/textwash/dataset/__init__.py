"""The dataset: versioned Parquet store, partitions, ledger, duplicates, compaction, remote locations and site templates."""
