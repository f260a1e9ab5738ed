"""Fuzz the whole per-document path with generated hostile inputs; count what becomes of them.

usage: python bench/fuzz.py [--inputs 100000] [--batch 500] [--seed 1] [--only INDEX] [--keep DIR]

Each input is one file in a temporary raw folder, grown from the samples and eval pages in
tests/data: mutated bytes, other charsets and mojibake, random bytes, NUL and control characters,
long lines, broken and deeply nested HTML, JSONL lines of every wrong shape (lone surrogates, wrong
types, bad timestamps), WARC records with damaged headers and lengths, truncated and corrupt gzip
and small gzip bombs, sidecars of junk, odd file names. Batches go through
`pipeline.process_batch` (HTML extraction in its time-capped worker) and every row through the
Parquet schema. A crash is an exception out of process_batch or out of the schema, or an input
that comes back without a record; `internal-error` rejects are counted apart (bugs found, though
contained). Input number N is always generated the same way (`--only N` regenerates it).
"""
from __future__ import annotations

import argparse
import codecs
import datetime as dt
import gzip
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from textwash.inputs.items import input_file
from textwash.config import Settings
from textwash.document import process_batch
from textwash.inputs.discover import discover
from textwash.model.schema import DOCUMENT_SCHEMA, REJECT_SCHEMA, to_table

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
# Small limits, so that the fuzz reaches them often and stays fast.
SETTINGS = Settings(max_bytes=256 * 1024, extract_timeout=10.0, max_line_chars=20_000, max_html_depth=64)
CHARSETS = ("cp1252", "latin-1", "utf-16", "utf-16-le", "utf-32", "shift_jis", "koi8-r", "cp1250", "gb18030")


def seeds() -> tuple[list[str], list[str]]:
    """The text seeds (samples, eval page dumps) and HTML seeds (eval pages)."""
    texts = [p.read_text(encoding="utf-8") for folder in ("samples", "eval_pages") for p in sorted((DATA / folder).glob("*.txt"))]
    pages = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace") for p in sorted((DATA / "html").glob("*.html.gz"))]
    return texts, pages


class Generator:
    def __init__(self, texts: list[str], pages: list[str]):
        self.texts, self.pages = texts, pages

    def make(self, rng: random.Random, folder: Path, number: int) -> str:
        """Write input `number` into `folder`; returns its file name."""
        kind = rng.choices(["text", "bytes", "charset", "html", "jsonl", "warc", "gzip", "sidecar", "name"],
                           weights=[30, 8, 12, 8, 14, 8, 12, 6, 2])[0]
        name, data = getattr(self, f"_{kind}")(rng, folder, number)
        (folder / name).write_bytes(data)
        return name

    # --- building blocks --------------------------------------------------------------------

    def _snippet(self, rng: random.Random, source: list[str], limit: int = 6000) -> str:
        text = rng.choice(source)
        start = rng.randrange(max(1, len(text) - limit)) if rng.random() < 0.5 else 0
        return text[start:start + rng.randint(0, limit)]

    def _mutate_text(self, rng: random.Random, text: str) -> str:
        for _ in range(rng.randint(0, 6)):
            at = rng.randint(0, len(text))
            op = rng.randrange(9)
            if op == 0:
                text = text[:at] + "\x00" * rng.randint(1, 3) + text[at:]
            elif op == 1:
                text = text[:at] + "".join(chr(rng.randrange(1, 32)) for _ in range(rng.randint(1, 5))) + text[at:]
            elif op == 2:
                text = text[:at] + "x" * rng.choice([100, 5000, 30_000]) + text[at:]
            elif op == 3:
                text = text[:at] + rng.choice(["&amp;", "&#0;", "&#xD800;", "&nbsp;" * 50, "Ã©", "â€™", "\ufffd",
                                               "\u202e", "\u200b" * 20, "\r", "\r\n" * 30, "\t" * 10]) + text[at:]
            elif op == 4:
                end = at + rng.randint(0, 200)
                text = text[:at] + text[end:]
            elif op == 5:
                text = text + text[at:at + rng.randint(0, 2000)] * rng.randint(1, 4)
            elif op == 6:
                text = text[:at] + rng.choice(["By ", "Published ", "LONDON (AP) —", "Analysis | ", "Reporting by "]) + text[at:]
            elif op == 7:
                text = text[:at] + "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(rng.randint(1, 40))) + text[at:]
            else:
                text = "\n".join(line for line in text.split("\n") if rng.random() > 0.3)
        return text

    def _mutate_bytes(self, rng: random.Random, data: bytes) -> bytes:
        data = bytearray(data)
        for _ in range(rng.randint(0, 8)):
            if not data:
                break
            at = rng.randrange(len(data))
            op = rng.randrange(4)
            if op == 0:
                data[at] = rng.randrange(256)
            elif op == 1:
                del data[at:at + rng.randint(1, 64)]
            elif op == 2:
                data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
            else:
                del data[at:]
        return bytes(data)

    def _html_text(self, rng: random.Random) -> str:
        html = self._snippet(rng, self.pages, 20_000)
        op = rng.randrange(8)
        if op == 0:
            depth = rng.choice([50, 70, 300, 3000])
            html = "<html><body>" + "<div>" * depth + "<p>" + self._snippet(rng, self.texts, 800) + "</div>" * depth
        elif op == 1:
            html = ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><html><body><p>&e;</p>'
                    '<img src="http://127.0.0.1:9/x"><script>fetch("http://127.0.0.1:9")</script>' + html)
        elif op == 2:
            html = html.replace(">", "", rng.randint(1, 50))
        elif op == 3:
            html = "<html><head><title>" + "T" * rng.randint(0, 5000) + "</title></head><body><article>" + \
                   "".join(f"<p>{line}</p>" for line in self._snippet(rng, self.texts).split("\n")) + "</article>"
        elif op == 4:
            html = html + "<!--" + "<div>" * 1000
        return self._mutate_text(rng, html)

    # --- input kinds --------------------------------------------------------------------------

    def _text(self, rng, folder, number):
        return f"{number}.txt", self._mutate_text(rng, self._snippet(rng, self.texts)).encode("utf-8", "surrogatepass")

    def _bytes(self, rng, folder, number):
        size = rng.choice([0, 1, 3, 64, 1024, 4096])
        data = bytes(rng.randrange(256) for _ in range(size))
        if rng.random() < 0.5:
            data = self._mutate_bytes(rng, self._snippet(rng, self.texts, 3000).encode())
        return f"{number}{rng.choice(['.txt', '.html', '.jsonl', '.warc', '', '.bin'])}", data

    def _charset(self, rng, folder, number):
        text = self._snippet(rng, self.texts, 4000)
        charset = rng.choice(CHARSETS)
        data = text.encode(charset, "replace")
        if rng.random() < 0.3:  # mojibake: UTF-8 bytes read as a legacy charset and written again
            data = text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
        if rng.random() < 0.2:
            data = codecs.BOM_UTF8 + data
        return f"{number}.txt", self._mutate_bytes(rng, data) if rng.random() < 0.3 else data

    def _html(self, rng, folder, number):
        return f"{number}.html", self._html_text(rng).encode("utf-8", "surrogatepass")

    def _jsonl(self, rng, folder, number):
        lines = []
        for _ in range(rng.randint(0, 6)):
            fields = {}
            if rng.random() < 0.8:
                fields["text" if rng.random() < 0.75 else "html"] = (
                    self._mutate_text(rng, self._snippet(rng, self.texts, 2000)) if rng.random() < 0.85 else self._html_text(rng))
            for key in ("url", "title", "fetched_at"):
                if rng.random() < 0.2:
                    fields[key] = rng.choice(["https://example.org/a", "../../etc/passwd", "/etc/passwd", "file:///etc/passwd",
                                              "2026-01-01T00:00:00Z", "not a date", 1e300, -1, True, None, [], {"a": 1},
                                              "\ud800", "x\udfffy", "2026-13-45", 1700000000, "", " "])
            line = json.dumps(fields, ensure_ascii=rng.random() < 0.7)
            op = rng.randrange(10)
            if op == 0:
                line = line[: rng.randint(0, len(line))]
            elif op == 1:
                line = rng.choice(["[1,2]", "null", "42", '"text"', "{", "}", "{'a': 1}", "NaN", '{"text": NaN}'])
            elif op == 2:
                line = line.replace('"text"', '"text"', 1) + '{"text": "second object"}'
            lines.append(line)
        data = "\n".join(lines).encode("utf-8", "surrogatepass")
        if rng.random() < 0.2:
            data = gzip.compress(data)
            return f"{number}.jsonl.gz", data
        return f"{number}.jsonl", self._mutate_bytes(rng, data) if rng.random() < 0.2 else data

    def _warc(self, rng, folder, number):
        buffer = io.BytesIO()
        compress = rng.random() < 0.5
        writer = WARCWriter(buffer, gzip=compress)
        for _ in range(rng.randint(0, 3)):
            status = rng.choice(["200 OK", "200 OK", "404 Not Found", "301 Moved"])
            mime = rng.choice(["text/html; charset=utf-8", "text/html", "application/pdf", "image/png", ""])
            headers = StatusAndHeaders(status, [("Content-Type", mime)], protocol="HTTP/1.1")
            payload = self._html_text(rng).encode("utf-8", "surrogatepass") if rng.random() < 0.7 else bytes(rng.randrange(256) for _ in range(200))
            record = writer.create_warc_record(rng.choice(["https://example.org/a", "javascript:alert(1)", "file:///etc/passwd"]),
                                               rng.choice(["response", "response", "request", "metadata"]),
                                               payload=io.BytesIO(payload), http_headers=headers)
            if rng.random() < 0.2:
                record.rec_headers.replace_header("WARC-Record-ID", rng.choice(["<../../etc/passwd>", "</abs/path>", "<a#b>", "<x\ty>", "<>"]))
            if rng.random() < 0.1:
                record.rec_headers.replace_header("WARC-Date", rng.choice(["yesterday", "2026-02-30T00:00:00Z", ""]))
            writer.write_record(record)
        data = buffer.getvalue()
        if rng.random() < 0.4:
            data = self._mutate_bytes(rng, data)
        return f"{number}.warc{'.gz' if compress and rng.random() < 0.8 else ''}", data

    def _gzip(self, rng, folder, number):
        op = rng.randrange(4)
        if op == 0:  # a small bomb: little input, much output
            data = gzip.compress(b"\0" * rng.choice([10**6, 5 * 10**6]) if rng.random() < 0.5 else b"a " * 3 * 10**6)
        else:
            data = gzip.compress(self._mutate_text(rng, self._snippet(rng, self.texts)).encode("utf-8", "surrogatepass"))
            if op == 1:
                data = data[: rng.randint(0, len(data))]
            elif op == 2:
                data = self._mutate_bytes(rng, data)
            else:
                data = data + gzip.compress(b"a second member\n") + b"trailing garbage"
        return f"{number}{rng.choice(['.txt.gz', '.html.gz', '.jsonl.gz', '.gz', '.warc.gz'])}", data

    def _name(self, rng, folder, number):
        """A file name that is not UTF-8, or holds '#', spaces, newlines or far-off characters."""
        name = rng.choice([os.fsdecode(b"\xff\xfe%d.txt" % number), f"a#{number}.txt", f"sp ace {number}.txt",
                           f"new\nline{number}.txt", f"\u202e{number}.txt", f"{number}.txt#1", f"{number}..txt"])
        return name, self._snippet(rng, self.texts).encode("utf-8")

    def _sidecar(self, rng, folder, number):
        sidecar = rng.choice(['{"url": "https://example.org/x", "fetched_at": 1700000000, "title": "A title"}',
                              '{"fetched_at": "never"}', "[]", "{", '{"title": "\\ud800"}', '{"url": 5}',
                              '{"fetched_at": 1e300}', "\xff\xfe", ""])
        (folder / f"{number}.json").write_bytes(sidecar.encode("utf-8", "surrogateescape"))
        return f"{number}.txt", self._snippet(rng, self.texts).encode("utf-8")


def check_batch(root: Path, outcomes: Counter, failures: list[str], first: int) -> None:
    sources = discover(root)
    try:
        result = process_batch(root, sources, dt.datetime.now(dt.timezone.utc), SETTINGS)
        to_table(result.documents, DOCUMENT_SCHEMA, "documents")
        to_table(result.rejects, REJECT_SCHEMA, "rejects")
    except Exception:
        outcomes["crash"] += 1
        failures.append(f"batch from input {first}: {traceback.format_exc()}")
        return
    outcomes["documents"] += len(result.documents)
    for row in result.rejects:
        outcomes[f"reject:{row['reason']}"] += 1
        if row["reason"] == "internal-error":
            failures.append(f"internal error on {row['source']}: {row['detail']}")
    covered = {input_file(row["source"], set(sources)) for row in result.documents + result.rejects}
    for source in set(sources) - covered:
        outcomes["lost"] += 1
        failures.append(f"no record for {source}")


def fuzz(numbers: list[int], batch_size: int = 500, seed: int = 1, keep: Path | None = None,
         progress: bool = False) -> tuple[Counter, list[str]]:
    """Generate the inputs `numbers` and run them in batches; returns the outcome counts and what
    went wrong (crashes, lost inputs, internal errors)."""
    generator = Generator(*seeds())
    outcomes: Counter = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textwash-fuzz-") as temp:
        root = Path(temp) / "raw"
        for start in range(0, len(numbers), batch_size):
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            batch = numbers[start:start + batch_size]
            for number in batch:
                generator.make(random.Random(seed * 1_000_003 + number), root, number)
            before = len(failures)
            check_batch(root, outcomes, failures, batch[0])
            if len(failures) > before and keep:
                shutil.copytree(root, keep / f"batch-{batch[0]}", dirs_exist_ok=True)
            done = start + len(batch)
            if progress and (done % (batch_size * 10) == 0 or done == len(numbers)):
                print(f"{done} inputs, {time.perf_counter() - started:.0f} s: {outcomes['documents']} documents, "
                      f"{sum(v for k, v in outcomes.items() if k.startswith('reject:'))} rejects, "
                      f"{outcomes['crash']} crashes, {outcomes['lost']} lost", flush=True)
    return outcomes, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", type=int, help="generate and run only this input number")
    parser.add_argument("--keep", type=Path, help="copy the raw folder of each failing batch here")
    args = parser.parse_args()
    numbers = [args.only] if args.only is not None else list(range(args.inputs))
    started = time.perf_counter()
    outcomes, failures = fuzz(numbers, args.batch, args.seed, args.keep, progress=True)
    seconds = time.perf_counter() - started
    print(f"\n{len(numbers)} inputs in {seconds:.1f} s ({len(numbers) / seconds:.0f} inputs/s)")
    for key, count in sorted(outcomes.items()):
        print(f"  {key:32s} {count}")
    for failure in failures[:20]:
        print("\n" + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
