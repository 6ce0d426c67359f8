"""The last good content, kept on disk, for a process that starts while an edit is rejected.

Each process keeps serving the last good version when an edit has errors, but only in its
memory: a worker restarted by gunicorn (forked from the master, which loaded the content at boot)
or a whole restart would otherwise come back with the boot-time content, or not start at all.
So every accepted version is copied here, and a process whose files on disk are rejected starts
from this copy instead. Only files that were checked are ever copied: the copy is compared with
the accepted version's hash before it is used.

Layout, under HOTLINE_STATE_DIR (default: a private folder in the system's temporary folder):
`last-good-<key>/current` links to `v-<version>/`, which holds `menus/`, `messages/` (and any
other content folder) as they were accepted. `<key>` tells apart lines on one machine that serve
different content folders. The link is replaced atomically, so a reader sees one whole version.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hotline.content.load import (
    LoadResult,
    content_files,
    content_version,
    default_sources_dir,
    load_to_serve,
)

log = logging.getLogger(__name__)

CURRENT = "current"
# Versions kept besides the current one, so a process reading the previous one can finish.
KEEP_VERSIONS = 3


def default_state_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"hotline-state-{os.getuid()}"


def state_dir(env: Mapping[str, str]) -> Path:
    """HOTLINE_STATE_DIR, or a private folder in the system's temporary folder."""
    raw = env.get("HOTLINE_STATE_DIR", "").strip()
    return Path(raw) if raw else default_state_dir()


class Snapshot:
    """The copy of the last accepted content for one pair of content folders."""

    def __init__(
        self, state: Path, menus_dir: Path, messages_dir: Path, sources_dir: Path | None = None
    ) -> None:
        self.state = state
        self.menus_dir = menus_dir
        self.messages_dir = messages_dir
        self.sources_dir = sources_dir or default_sources_dir(menus_dir)
        folders = (menus_dir, messages_dir, self.sources_dir)
        key = hashlib.sha256("\0".join(str(f.resolve()) for f in folders).encode()).hexdigest()[:12]
        self.root = state / f"last-good-{key}"
        self._warned = False

    def _copy_of(self, path: Path, base: Path) -> Path:
        """Where a content file goes in a copy: `menus/`, `messages/`, or its folder's name."""
        folder = {
            self.menus_dir: "menus",
            self.messages_dir: "messages",
            self.sources_dir: "sources",
        }.get(path.parent, path.parent.name)
        return base / folder / path.name

    def version(self) -> str | None:
        """The version kept, if any."""
        try:
            target = os.readlink(self.root / CURRENT)
        except OSError:
            return None
        return target.removeprefix("v-") if target.startswith("v-") else None

    def save(self, version: str) -> None:
        """Copy the content folders as they are now, if they are still `version`."""
        if self.version() == version:
            return
        try:
            self._private(self.state)
            self._private(self.root)
            self._save(version)
        except OSError as error:
            if not self._warned:
                self._warned = True
                log.warning(
                    "the last good content cannot be kept in %s (%s); a restarted process "
                    "starts from the files as they are. Set HOTLINE_STATE_DIR to a folder only "
                    "this user can write.",
                    self.state,
                    error.strerror or error,
                )

    def _save(self, version: str) -> None:
        final = self.root / f"v-{version}"
        if not final.is_dir():
            work = Path(tempfile.mkdtemp(prefix="saving-", dir=self.root))
            try:
                copied = {}
                for path in content_files(self.menus_dir, self.messages_dir, self.sources_dir):
                    copy = self._copy_of(path, work)
                    copy.parent.mkdir(exist_ok=True)
                    shutil.copyfile(path, copy)
                    copied[path] = copy.read_bytes()
                if content_version(list(copied), copied) != version:
                    return  # edited again since it was accepted: the next load will keep it
                try:
                    os.replace(work, final)
                except OSError:
                    if not final.is_dir():  # else another process kept the same version first
                        raise
            finally:
                shutil.rmtree(work, ignore_errors=True)
        link = self.root / f"{CURRENT}.{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(final.name)
        os.replace(link, self.root / CURRENT)
        log.info("kept content version %s as the last good one in %s", version, self.root)
        self._prune(final)

    def _prune(self, keep: Path) -> None:
        versions = sorted(
            (path for path in self.root.glob("v-*") if path != keep),
            key=lambda path: path.stat().st_mtime,
            reverse=True,
        )
        for old in versions[KEEP_VERSIONS:]:
            shutil.rmtree(old, ignore_errors=True)

    def load(self) -> LoadResult | None:
        """The kept version, loaded and checked again; None when there is none."""
        version = self.version()
        if version is None or not self._is_private(self.root):
            return None
        base = self.root / f"v-{version}"
        result = load_to_serve(base / "menus", base / "messages", base, base / "sources")
        return None if result.content is None else result

    @staticmethod
    def _private(folder: Path) -> None:
        """Make `folder` (mode 0700), or check that it is this user's and no one else's."""
        folder.mkdir(mode=0o700, exist_ok=True)
        if not Snapshot._is_private(folder):
            raise PermissionError(0, f"{folder} belongs to another user or others may write to it")

    @staticmethod
    def _is_private(folder: Path) -> bool:
        try:
            info = folder.lstat()
        except OSError:
            return False
        return (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        )
