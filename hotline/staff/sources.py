"""Content files shown read-only to staff, so a map node or a problem can link to its line."""

from __future__ import annotations

from pathlib import Path

SHOWN_SUFFIXES = frozenset({".yaml", ".yml"})


def link_name(menus_dir: Path, messages_dir: Path, file: Path | str) -> str | None:
    """'menus/tree.yaml' or 'messages/es.yaml' for a content file, else None."""
    path = Path(file).resolve()
    for folder, role in ((menus_dir, "menus"), (messages_dir, "messages")):
        if path.parent == folder.resolve():
            return f"{role}/{path.name}"
    return None


def read(menus_dir: Path, messages_dir: Path, name: str) -> list[str] | None:
    """The lines of a content file named by `link_name`, or None for anything else."""
    role, _, file_name = name.partition("/")
    folder = {"menus": menus_dir, "messages": messages_dir}.get(role)
    # Only a plain file name inside one of the two folders: nothing else on disk is reachable.
    if folder is None or not file_name or "/" in file_name or file_name.startswith("."):
        return None
    path = folder / file_name
    if path.suffix not in SHOWN_SUFFIXES or not path.is_file():
        return None
    return path.read_text(encoding="utf-8", errors="replace").splitlines()
