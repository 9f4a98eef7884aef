"""CSV records from a stream of bytes, one at a time, each with the line it starts on.

The file is never held whole: bytes are split into physical lines and handed to Python's csv
reader as it asks for them. A broken record does not sink the rest of the file:
- a quote that never closes would swallow every following line into one value; a record that
  spans several lines and then has the wrong number of values (or runs past `MAX_RECORD_LINES`,
  or hits the end of the file inside quotes) is reported as broken on its first line, and the
  lines after that one are read again as records of their own;
- malformed quoting (`"a"b`), NUL bytes (PostgreSQL can't store them) and values over csv's
  field size limit (128 KiB) are reported on their line;
- a line whose bytes are not valid in the file's encoding is reported, not silently mangled.
"""

from __future__ import annotations

import codecs
import csv
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_RECORD_LINES = 50
"""Most physical lines one record may span (values with line breaks); more is a broken quote."""

@dataclass(frozen=True)
class Record:
    """One record: its first line number and values, or why it could not be read."""

    line: int
    values: list[str]
    problem: str | None = None


class _TooLongError(Exception):
    """The record in progress spans more than MAX_RECORD_LINES lines."""


class _LineSource:
    """Physical lines of a byte stream for csv.reader, with push-back and per-record tracking."""

    def __init__(self, chunks: Iterable[bytes], encoding: str) -> None:
        self._chunks = iter(chunks)
        self._decoder_name = encoding
        self._pending: deque[tuple[int, str, bool]] = deque()  # pushed back: (number, text, ok)
        self._raw: deque[bytes] = deque()  # complete lines read but not yet handed out
        self._tail = b""  # the start of a line whose end has not arrived yet
        self._ended = False
        self._number = 0
        self.current: list[tuple[int, str, bool]] = []
        self.width: int | None = None  # the header's number of columns, once read

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if len(self.current) >= MAX_RECORD_LINES:
            raise _TooLongError
        line = self._pending.popleft() if self._pending else self._read()
        self.current.append(line)
        return line[1]

    def take(self) -> list[tuple[int, str, bool]]:
        """The lines the record just read came from (and start the next record)."""
        lines, self.current = self.current, []
        return lines

    def push_back(self, lines: list[tuple[int, str, bool]]) -> None:
        """Read these lines again, before anything else."""
        self._pending.extendleft(reversed(lines))

    def _read(self) -> tuple[int, str, bool]:
        while not self._raw and not self._ended:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._ended = True
                if self._tail:
                    self._raw.append(self._tail)
            else:  # split a chunk at once: cutting lines off a big buffer one by one copies it
                pieces = (self._tail + chunk).split(b"\n")
                self._tail = pieces.pop()
                self._raw.extend(piece + b"\n" for piece in pieces)
        if not self._raw:
            raise StopIteration
        self._number += 1
        return (self._number, *self._decode(self._raw.popleft()))

    def _decode(self, raw: bytes) -> tuple[str, bool]:
        if self._number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            return raw.decode(self._decoder_name), True
        except UnicodeDecodeError:
            return raw.decode(self._decoder_name, errors="replace"), False


def read_records(chunks: Iterable[bytes], encoding: str = "utf-8",
                 delimiter: str = ",") -> Iterator[Record]:
    """Every non-blank record of a CSV byte stream, in order; the first is the header.

    Records whose value count differs from the header's are yielded with a problem, as are
    broken ones; blank lines (and lines of empty values only) are skipped.
    """
    source = _LineSource(chunks, encoding)
    while True:
        reader = csv.reader(source, delimiter=delimiter, strict=True)
        for record in _records(source, reader):
            if record is None:
                break  # the reader's state is lost: start a fresh one on the pushed-back lines
            yield record
        else:
            return


def _records(source: _LineSource, reader: Iterator[list[str]]) -> Iterator[Record | None]:
    """Records from one csv.reader; None when it had to be abandoned after a broken record.
    The first good record is the header: its width is kept on the source."""
    while True:
        width = source.width
        try:
            values = next(reader)
        except StopIteration:
            return
        except (csv.Error, _TooLongError) as error:
            lines = source.take()
            source.push_back(lines[1:])
            yield Record(lines[0][0], [], _broken(error, lines))
            yield None
            return
        lines = source.take()
        if not any(value.strip() for value in values):
            continue
        first = lines[0][0]
        if not all(ok for _, _, ok in lines):
            yield Record(first, values, "the line has bytes that are not valid text in this "
                         "file's encoding: save the file as CSV UTF-8, or import it with "
                         "encoding=cp949 if Excel saved it in Korean")
        elif any("\x00" in text for _, text, _ in lines):
            yield Record(first, values, "the line contains a NUL byte (is this really a CSV "
                         "text file?)")
        elif width is not None and len(values) != width and len(lines) > 1:
            source.push_back(lines[1:])
            yield Record(first, [], 'a quote (") opens a value that never closes on this '
                         "line; the lines after it were read on their own")
            yield None
            return
        elif width is not None and len(values) != width:
            yield Record(first, values, f"the line has {len(values)} values but the header "
                         f"has {width} columns")
        else:
            if width is None:
                source.width = len(values)
            yield Record(first, values)


def _broken(error: Exception, lines: list[tuple[int, str, bool]]) -> str:
    if isinstance(error, _TooLongError) or len(lines) > 1 or "end of data" in str(error):
        return ('a quote (") opens a value that never closes; the lines after it were read '
                "on their own")
    if "field larger" in str(error):
        return f"a value is longer than {csv.field_size_limit():,} characters"
    return f"the line's quoting is malformed ({error}); put quotes around the whole value " \
        'and double any quote inside it ("")'
