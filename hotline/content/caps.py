"""Caps on the size of the content, checked before a file is read ("limits" are callers').

A running line loads every saved edit in the process that answers calls. A valid but huge file
(50 MB of messages) once took 92 s to parse there, 2 GB of memory and GC pauses of 6 s that cost
calls. The shipped files are about 11 KB each. The caps admit the largest tree the line is
built and benchmarked for, 2,000 menus and messages in 6 languages (bench/generate_tree.py:
language files of about 390 KB, 2.5 MB in all, loaded in well under a second: bench/RESULTS.md),
with a little room,
and refuse anything far past it (measured: a 256 KB language file loads in 0.8 s with 45 ms of
longest GC pause; 1 MB takes 2.6 s with pauses up to 1.3 s; 50 MB took 92 s and 2 GB).

A file is opened without blocking and checked to be a regular file, so a named pipe (or a socket)
saved among the content is reported instead of waiting forever for a writer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
# Menus and messages in the tree, and entries in one language file's menus and messages.
MAX_ENTRIES = 2500
# Open flags: O_NONBLOCK returns at once from a named pipe with no writer; a file is unaffected.
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


class FileRefused(Exception):
    """A content file that is not read: what is wrong and how to fix it, for `hotline check`."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def read_content_file(path: Path, total: list[int] | None = None) -> bytes:
    """The bytes of a content file, unless it is not a regular file or is too large.

    `total` adds up the bytes read across one load, which may not pass MAX_TOTAL_BYTES.
    Raises OSError when the file cannot be read, FileRefused when it must not be.
    """
    descriptor = os.open(path, OPEN_FLAGS)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(
                "this is not a regular file (a named pipe, socket or device), so it is not read",
                "remove it from the folder, or replace it with the YAML file it stands for",
            )
        os.set_blocking(descriptor, True)
        # One byte more than allowed: a file growing while it is read is caught too.
        data = _read_at_most(descriptor, MAX_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(
            f"the file is larger than {MAX_FILE_BYTES // 1024} KB, the most a content file may be "
            f"(shipped files are about 11 KB)",
            "keep each message short, and split a long text into several messages",
        )
    if total is not None:
        total[0] += len(data)
        if total[0] > MAX_TOTAL_BYTES:
            raise FileRefused(
                f"with this file the content comes to more than {MAX_TOTAL_BYTES // 1024} KB "
                "in all, the most a line may load",
                "remove files that are not content (old copies, other languages' drafts) from "
                "the folder",
            )
    return data


def _read_at_most(descriptor: int, limit: int) -> bytes:
    chunks = []
    left = limit
    while left > 0:
        chunk = os.read(descriptor, min(left, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def count_problems(documents: Iterable[tuple[Path, Any, Iterable[str]]]) -> list[tuple[Path, str]]:
    """Documents with more entries than MAX_ENTRIES: (file, problem), for each one over.

    Each document is (file, parsed data, the sections to count, such as 'menus' and 'messages').
    """
    over = []
    for path, data, sections in documents:
        if not isinstance(data, dict):
            continue
        count = sum(len(data[name]) for name in sections if isinstance(data.get(name), dict))
        if count > MAX_ENTRIES:
            over.append(
                (
                    path,
                    f"{count} menus and messages, more than the {MAX_ENTRIES} a file may hold "
                    "(each is loaded and checked on every edit)",
                )
            )
    return over
