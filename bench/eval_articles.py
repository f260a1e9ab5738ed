"""Clean a folder of page dumps with the pure pipeline (no Prefect) and write one Parquet file.

usage: python bench/eval_articles.py TEXT_DIR OUT_DIR [--only-prefix 0123] [--without LAYER ...]

Score the output with the benchmark's scorer (see `make eval`). `--without` turns cleaning layers
off (for the ablation table); `--only-prefix` keeps the inputs whose name starts with one of the
given characters (a held-out split by id).
"""
import argparse
import datetime as dt
import pathlib
import time

from textwash.config import Settings
from textwash.document import process_batch
from textwash.dataset.store import write_parquet_atomic


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("text_dir", type=pathlib.Path)
    ap.add_argument("out_dir", type=pathlib.Path)
    ap.add_argument("--only-prefix", default="")
    ap.add_argument("--without", nargs="*", default=[])
    args = ap.parse_args()
    names = sorted(p.name for p in args.text_dir.iterdir() if p.is_file())
    if args.only_prefix:
        names = [n for n in names if n[0] in args.only_prefix]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(layers_off=frozenset(args.without))
    started = time.perf_counter()
    result = process_batch(args.text_dir, names, dt.datetime.now(dt.timezone.utc), settings)
    seconds = time.perf_counter() - started
    for old in args.out_dir.glob("*.parquet"):
        old.unlink()
    write_parquet_atomic(result.documents, "documents", args.out_dir / "part.parquet")
    print(f"{len(result.documents)} documents, {len(result.rejects)} rejects in {seconds:.2f} s")
    for reject in result.rejects:
        print(f"  reject {reject['source']}: {reject['reason']}")


if __name__ == "__main__":
    main()
