"""Drafts: the published content files plus a staff member's edits, checked and tried apart.

The browser holds a draft's edits and sends them with every request, so any instance can serve
it and nothing is kept between requests but a cache. The server builds the draft's files from the
published ones and the edits (in a folder of its own), checks them as `hotline check` does, and,
when they have no errors, runs a separate app on them for the simulators. The live line never
sees a draft until it is saved into the content folder, where live reload picks it up.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from hotline.content.load import load_content
from hotline.content.problems import ProblemList
from hotline.staff.yaml_edit import EditError, replace_scalar

log = logging.getLogger(__name__)

# Only files in the two content folders, by the names the console links to.
FILE_NAME = re.compile(r"^(menus|messages)/[a-z0-9][a-z0-9_-]*\.yaml$")
PATH_PART = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_EDITS = 200
MAX_VALUE = 5000
MAX_PATH = 4
# Drafts kept ready per process; each is a folder of small files and, once tried, an app.
CACHED_DRAFTS = 8
# The address the draft app believes Twilio calls: it never leaves this process.
DRAFT_URL = "https://draft.hotline.invalid"


AppFactory = Callable[[Mapping[str, str]], Flask]


class BadEdits(Exception):
    """The edits sent by the page are not edits the console makes."""


@dataclass(frozen=True)
class Edit:
    """Set the text at `path` in `file` (such as messages/es.yaml) to `value`."""

    file: str
    path: tuple[str, ...]
    value: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "path": list(self.path), "value": self.value}


def parse_edits(data: Any) -> tuple[Edit, ...]:
    """Edits from the page's JSON; the last edit of one value wins. BadEdits for anything else."""
    if data is None:
        return ()
    if not isinstance(data, list) or len(data) > MAX_EDITS:
        raise BadEdits(f"a draft is a list of at most {MAX_EDITS} edits")
    latest: dict[tuple[str, tuple[str, ...]], Edit] = {}
    for item in data:
        if not isinstance(item, dict):
            raise BadEdits("each edit has a file, a path and a value")
        file, path, value = item.get("file"), item.get("path"), item.get("value")
        if not isinstance(file, str) or not FILE_NAME.match(file):
            raise BadEdits("an edit names a file that is not a content file")
        if (
            not isinstance(path, list)
            or not 0 < len(path) <= MAX_PATH
            or not all(isinstance(p, str) and PATH_PART.match(p) for p in path)
        ):
            raise BadEdits("an edit's path is not a place in a content file")
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            raise BadEdits(f"an edit's value is text of at most {MAX_VALUE} characters")
        latest[(file, tuple(path))] = Edit(file, tuple(path), value)
    return tuple(latest.values())


@dataclass
class Draft:
    """The draft's files in a folder of their own, what the check says, and their diff."""

    key: str
    root: Path
    published: dict[str, str]
    drafted: dict[str, str]
    problems: ProblemList
    # Edits that could not be made (the value is gone from the published file, say).
    edit_problems: list[dict[str, str]] = field(default_factory=list)
    sources_dir: Path | None = None
    _app: Flask | None = None

    @property
    def changed(self) -> list[str]:
        return sorted(name for name, text in self.drafted.items() if text != self.published[name])

    @property
    def has_errors(self) -> bool:
        return bool(self.problems.errors or self.edit_problems)

    def diff(self) -> str:
        """A unified diff of the changed files, to paste into a pull request."""
        lines: list[str] = []
        for name in self.changed:
            lines += difflib.unified_diff(
                self.published[name].splitlines(keepends=True),
                self.drafted[name].splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        return "".join(lines)

    def app(self, create_app: AppFactory, secret_key: str) -> Flask:
        """The line on the draft's content, for the simulators (built once per draft)."""
        if self._app is None:
            self._app = create_app(
                {
                    "HOTLINE_MENUS_DIR": str(self.root / "menus"),
                    "HOTLINE_MESSAGES_DIR": str(self.root / "messages"),
                    "HOTLINE_SOURCES_DIR": str(self.sources_dir or ""),
                    "HOTLINE_PUBLIC_URL": DRAFT_URL,
                    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
                    "HOTLINE_DEV": "",
                    # The live key, so a call's signed position is good on every instance.
                    "HOTLINE_SECRET_KEY": secret_key,
                    "HOTLINE_RELOAD_SECONDS": "off",
                    "HOTLINE_STAFF_PASSWORD": "",
                    "HOTLINE_REDIS_URL": "",
                    "HOTLINE_METRICS_TOKEN": "",
                    "HOTLINE_STAFF_CAN_SAVE": "",
                }
            )
        return self._app

    def token(self) -> str:
        assert self._app is not None
        from hotline import services

        return services.services_of(self._app).settings.auth_token or ""


class Drafts:
    """Builds drafts from the published files in `menus_dir`/`messages_dir`, cached by hash."""

    def __init__(self, menus_dir: Path, messages_dir: Path, sources_dir: Path | None) -> None:
        self.menus_dir = menus_dir
        self.messages_dir = messages_dir
        # The statement the texts cite is not edited in drafts: the live one is read in place.
        self.sources_dir = (sources_dir or menus_dir.parent / "sources").resolve()
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Draft] = OrderedDict()
        self._folder = Path(tempfile.mkdtemp(prefix="hotline-drafts-"))
        # The drafts' folders go with this object (or at exit): nothing is left in the temp folder.
        weakref.finalize(self, shutil.rmtree, self._folder, True)

    def folder_of(self, name: str) -> Path:
        role, _, file_name = name.partition("/")
        return (self.menus_dir if role == "menus" else self.messages_dir) / file_name

    def published(self) -> dict[str, str]:
        """Every content file as it is on disk now, by link name."""
        files: dict[str, str] = {}
        for folder, role in ((self.menus_dir, "menus"), (self.messages_dir, "messages")):
            for path in sorted(folder.glob("*.yaml")):
                files[f"{role}/{path.name}"] = path.read_text(encoding="utf-8")
        return files

    def get(self, edits: Iterable[Edit]) -> Draft:
        edits = tuple(edits)
        published = self.published()
        key = _key(published, edits)
        with self._lock:
            draft = self._cache.get(key)
            if draft is not None:
                self._cache.move_to_end(key)
                return draft
            draft = self._build(key, published, edits)
            self._cache[key] = draft
            while len(self._cache) > CACHED_DRAFTS:
                _, old = self._cache.popitem(last=False)
                shutil.rmtree(old.root, ignore_errors=True)
            return draft

    def _build(self, key: str, published: dict[str, str], edits: tuple[Edit, ...]) -> Draft:
        drafted = dict(published)
        edit_problems = []
        for edit in edits:
            if edit.file not in drafted:
                edit_problems.append(_edit_problem(edit, "this file is not in the content"))
                continue
            try:
                drafted[edit.file] = replace_scalar(drafted[edit.file], edit.path, edit.value)
            except EditError as error:
                edit_problems.append(_edit_problem(edit, str(error)))
        root = self._folder / key
        shutil.rmtree(root, ignore_errors=True)
        for name, text in drafted.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        checked = load_content(root / "menus", root / "messages", root, self.sources_dir)
        return Draft(
            key, root, published, drafted, checked.problems, edit_problems, self.sources_dir
        )


def _key(published: Mapping[str, str], edits: tuple[Edit, ...]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(published.items())).encode("utf-8"))
    digest.update(json.dumps([e.as_json() for e in edits]).encode("utf-8"))
    return digest.hexdigest()[:32]


def _edit_problem(edit: Edit, message: str) -> dict[str, str]:
    return {"file": edit.file, "path": ".".join(edit.path), "message": message}


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so a reader sees the old file or the new one, never half."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
