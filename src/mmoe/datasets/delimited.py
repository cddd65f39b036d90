"""CSV/TSV rows with the physical lines they came from, so that no line is lost unnamed.

Every line after the header becomes part of exactly one row: a record (a quoted field may span
lines), a row standing for a line that cannot be parsed (broken quoting: each line the unclosed
quote swallowed gets its own row, with the id its first field gives), or a blank line (skipped).
Rows with fewer or more fields than the header and a file cut off mid-row are row problems
(``source_problem``), handled like any other invalid row (fail, or drop into ``dropped.csv``).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

csv.field_size_limit(sys.maxsize)


@dataclass
class Rows:
    """Parsed rows: their fields, first source line and problem ('' when none: a row with a
    problem was not split into the header's fields); the number of blank and header lines."""

    fields: list[list[str | None]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    blank: int = 0
    header_lines: int = 0

    def add(self, values: list[str | None], line: int, problem: str = "") -> None:
        self.fields.append(values)
        self.lines.append(line)
        self.problems.append(problem)


def _width_problem(got: int, expected: int, last: bool, cut: bool) -> str:
    if got == expected:
        return ""
    if got > expected:
        return (
            f"{got} fields, the header has {expected}: extra field(s) "
            "(an unquoted separator inside a value?)"
        )
    if last and cut:
        return f"the file ends mid-row ({got} of {expected} fields): is it cut off?"
    return f"{got} fields, the header has {expected}: missing field(s)"


def _first_field(line: str, sep: str) -> str | None:
    """The first field of ``line`` on its own (the id of a row lost to broken quoting)."""
    line = line.rstrip("\r\n")
    try:
        return (next(csv.reader([line], delimiter=sep, strict=True), None) or [None])[0]
    except csv.Error:
        return line.split(sep, 1)[0]


def read_rows(path: Path, sep: str) -> tuple[list[str], Rows]:
    """The header and every row of the delimited file at ``path`` (invalid UTF-8 replaced)."""
    text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    if not text:
        return [], Rows()
    physical = [line + "\n" for line in text.split("\n")]  # lines as the editor numbers them
    cut = not text.endswith("\n")
    if not cut:
        physical.pop()
    reader = csv.reader(physical, delimiter=sep, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], Rows()
    except csv.Error as error:
        raise ValueError(f"{path}: line 1 (the header) cannot be parsed: {error}") from error
    rows = Rows(header_lines=reader.line_num)
    end = reader.line_num
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            end = reader.line_num
            span = f"line {start}" if end == start else f"lines {start}-{end}"
            if "end of data" in str(error):
                reason = (
                    f"broken quoting in {span}: the file ends inside a quoted field (an "
                    "unclosed quote, or the file is cut off)"
                )
            elif "'\"'" in str(error):
                reason = (
                    f"broken quoting in {span} ({error} on line {end}): an unclosed quote "
                    "runs on over the rows after it"
                )
            else:
                reason = f"{span} cannot be parsed ({error} on line {end})"
            for number in range(start, end + 1):
                rows.add([_first_field(physical[number - 1], sep)], number, reason)
            continue
        end = reader.line_num
        if not record:
            rows.blank += 1
            continue
        last = end >= len(physical)
        rows.add(record, start, _width_problem(len(record), len(header), last, cut))
    return header, rows


def rows_frame(header: list[str], rows: Rows, columns: dict[str, str]) -> pd.DataFrame:
    """The mapped ``columns`` (field -> header name) of ``rows``, with ``source_line``,
    ``source_problem`` and ``source_unparsed`` (see :mod:`mmoe.datasets.validate`); a field a
    short row lacks is missing (None)."""
    positions = {name: header.index(source) for name, source in columns.items()}
    frame = pd.DataFrame(
        {
            name: pd.Series(
                [values[i] if i < len(values) else None for values in rows.fields], dtype=object
            )
            for name, i in positions.items()
        }
    )
    frame["source_line"] = rows.lines
    frame["source_problem"] = rows.problems
    frame["source_unparsed"] = frame["source_problem"].ne("")
    return frame
