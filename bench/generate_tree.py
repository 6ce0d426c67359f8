"""Generate a large valid content tree (default 2,000 nodes in 6 languages) for the benchmark.

Every menu has up to eight options (keys 1-8; 0, *, # and 9 are navigation keys), filled breadth
first, so a 2,000-node tree is four levels deep. The prompts and SMS sentences come from the test
fixture's English and Spanish files; titles and messages are numbered so every node is distinct.

    python bench/generate_tree.py OUT_DIR [--nodes 2000] [--languages 6]
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "tests" / "fixtures" / "content"
OPTIONS_PER_MENU = 8

# code: (name, Twilio language, voice, template file, language words for SMS)
LANGUAGES: list[tuple[str, str, str, str, str, list[str]]] = [
    ("en", "English", "en-US", "Polly.Joanna-Neural", "en", ["EN", "ENGLISH"]),
    ("es", "Español", "es-US", "Polly.Lupe-Neural", "es", ["ES", "ESPAÑOL"]),
    ("pt", "Português", "pt-BR", "Polly.Camila-Neural", "en", ["PT", "PORTUGUES"]),
    ("fr", "Français", "fr-FR", "Polly.Lea-Neural", "en", ["FR", "FRANCAIS"]),
    ("de", "Deutsch", "de-DE", "Polly.Vicki-Neural", "en", ["DE", "DEUTSCH"]),
    ("it", "Italiano", "it-IT", "Polly.Bianca-Neural", "en", ["IT", "ITALIANO"]),
]

MESSAGE_VOICE = (
    "Summary {n}. Northampton police do not enforce civil immigration law, and city services "
    "are open to everyone. For more, call the Mayor's office at {{office_phone}}."
)


def node_ids(count: int) -> list[str]:
    return ["main"] + [f"n{i}" for i in range(1, count)]


def children(index: int, count: int) -> list[int]:
    first = index * OPTIONS_PER_MENU + 1
    return list(range(first, min(first + OPTIONS_PER_MENU, count)))


def tree(count: int) -> dict:
    ids = node_ids(count)
    menus, messages = {}, {}
    for index, node in enumerate(ids):
        kids = children(index, count)
        if kids:
            menus[node] = {"options": {key: ids[k] for key, k in enumerate(kids, start=1)}}
        else:
            messages[node] = {"source": "statement-2026-02 ¶7", "date": "2026-02-05"}
    return {"menus": menus, "messages": messages}


def settings(languages: list[tuple]) -> dict:
    base = yaml.safe_load((TEMPLATE / "menus" / "settings.yaml").read_text(encoding="utf-8"))
    base["languages"] = {
        code: {"key": key, "twilio_language": tag, "voice": voice}
        for key, (code, _name, tag, voice, _template, _words) in enumerate(languages, start=1)
    }
    return base


def translation(language: tuple, structure: dict) -> dict:
    code, name, _tag, _voice, template, words = language
    source = yaml.safe_load((TEMPLATE / "messages" / f"{template}.yaml").read_text("utf-8"))
    result = copy.deepcopy(source)
    result["language"], result["name"] = code, name
    result["prompts"]["choose_language"] = f"For {name}, press {{key}}."
    result["sms"]["switch"] = f"{name}: {words[0]}"
    result["sms"]["words"]["language"] = words
    result["menus"] = {
        menu: {"title": f"topic {menu} ({code})", "intro": f"Menu {menu}."}
        for menu in structure["menus"]
    }
    result["messages"] = {
        message: {"title": f"topic {message} ({code})", "voice": MESSAGE_VOICE.format(n=message)}
        for message in structure["messages"]
    }
    return result


# The statement every generated message cites, copied beside the generated tree.
STATEMENT = REPO_ROOT / "sources" / "statement-2026-02.yaml"


def write(out: Path, nodes: int, language_count: int) -> None:
    """Write menus/, messages/ and sources/ for a tree of `nodes` nodes under `out`.

    The messages cite the city's statement, so it is copied from the repository's sources/.
    """
    (out / "sources").mkdir(parents=True, exist_ok=True)
    shutil.copy(STATEMENT, out / "sources" / STATEMENT.name)
    languages = LANGUAGES[:language_count]
    structure = tree(nodes)
    (out / "menus").mkdir(parents=True, exist_ok=True)
    (out / "messages").mkdir(parents=True, exist_ok=True)
    dump = {"allow_unicode": True, "sort_keys": False, "width": 1000}
    (out / "menus" / "settings.yaml").write_text(
        yaml.safe_dump(settings(languages), **dump), encoding="utf-8"
    )
    (out / "menus" / "tree.yaml").write_text(yaml.safe_dump(structure, **dump), encoding="utf-8")
    for language in languages:
        (out / "messages" / f"{language[0]}.yaml").write_text(
            yaml.safe_dump(translation(language, structure), **dump), encoding="utf-8"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--languages", type=int, default=6, choices=range(1, len(LANGUAGES) + 1))
    args = parser.parse_args(argv)
    write(args.out, args.nodes, args.languages)
    print(f"wrote a {args.nodes}-node tree in {args.languages} languages to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
