"""Text files as grids: bytes decoded whatever the encoding a clerk's machine saved them in, and CSV
(comma, tab, semicolon or bar separated)."""

from __future__ import annotations

import csv
import io

from toolkit.core.errors import ReadError
from toolkit.read.grid import Grid


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best else "gb18030"
    return data.decode(encoding, errors="replace")


def _delimiter(sample: str) -> str:
    """The separator that cuts the most lines of the sample into one same number (above one) of
    fields. csv.Sniffer guessed from quote patterns instead, so a single progress text holding
    `";` made a whole comma file read as semicolon separated (found by Hypothesis)."""
    csv.field_size_limit(2**31 - 1)
    lines = sample.split("\n")
    body = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the cut last line may be partial
    best, score = "", (0, 0)
    for candidate in ",\t;|":
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(body), delimiter=candidate) if row]
        except csv.Error:
            continue
        common = max(set(widths), key=widths.count, default=1)
        if common > 1 and (widths.count(common), common) > score:
            best, score = candidate, (widths.count(common), common)
    return best or ("\t" if sample.count("\t") > sample.count(",") else ",")


def read_csv(data: bytes, name: str) -> Grid:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    delimiter = _delimiter(text[:20000])
    csv.field_size_limit(2**31 - 1)  # a unit's long progress text is one field, however long
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [list(row) for row in reader]
    except csv.Error as exc:
        raise ReadError("unreadable-file", "bad-csv", line=reader.line_num, reason=exc) from exc
    return Grid(name, rows)
