"""`hotline preview`: transcripts of calls and texts from the real app, with signed requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline import cli
from hotline.emulator import EmulatorError
from hotline.preview import preview_app, start_call
from tests.broken_cases import build_case
from tests.conftest import FIXTURE_CONTENT


def folders(content: Path = FIXTURE_CONTENT) -> list[str]:
    return ["--menus", str(content / "menus"), "--messages", str(content / "messages")]


def preview(*args: str, content: Path = FIXTURE_CONTENT, stdin: str | None = None):
    command, *rest = args
    return CliRunner().invoke(cli.main, ["preview", command, *folders(content), *rest], input=stdin)


GREETING = [
    "  [en-US] For English, press 1.",
    "  [es-US] Para español, oprima 2.",
    "  [pt-BR] Para português, pressione 3.",
    "  [en-US] If this is an emergency, hang up and dial 9 1 1.",
    "  [waiting up to 6 s for a key]",
]


def test_call_transcript_down_the_tree_and_to_the_office() -> None:
    result = preview("call", "--keys", "2", "1", "1", "0", "0")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        *GREETING,
        "> key 2",
        "  [es-US] Si es una emergencia, cuelgue y marque 9 1 1.",
        "  [es-US] Para hablar con la oficina de la alcaldesa, oprima 0.",
        "  [es-US] Menú principal. Para la policía y la inmigración, oprima 1. "
        "Para los servicios de la ciudad, oprima 2.",
        "  [es-US] Para escuchar de nuevo, oprima asterisco.",
        "  [waiting up to 6 s for a key]",
        "> key 1",
        "  [es-US] Para lo que hace la policía, oprima 1. "
        "Para preguntas sobre el estatus, oprima 2.",
        "  [es-US] Para escuchar de nuevo, oprima asterisco. Para el menú principal, oprima 9. "
        "Para hablar con la oficina de la alcaldesa, oprima 0.",
        "  [waiting up to 6 s for a key]",
        "> key 1",
        "  [es-US] La policía de Northampton no aplica la ley civil de inmigración.",
        "  [es-US] Para escuchar de nuevo, oprima asterisco. Para volver, oprima numeral. "
        "Para el menú principal, oprima 9. Para hablar con la oficina de la alcaldesa, oprima 0.",
        "  [waiting up to 6 s for a key]",
        "> key 0",
        "  [es-US] Para hablar ahora con la oficina, oprima 0 otra vez. O llame al 4 1 3, "
        "5 8 7, 1 2 4 9, o escriba a mayor arroba northamptonma punto gov.",
        "  [es-US] Para escuchar de nuevo, oprima asterisco. Para volver, oprima numeral. "
        "Para el menú principal, oprima 9.",
        "  [waiting up to 6 s for a key]",
        "> key 0",
        "  [es-US] Le comunicamos con la oficina de la alcaldesa.",
        "  [es-US] La oficina no verá su número.",
        "  [transfer to +14135871249 showing caller ID +15005550006]",
        "  [the office's line: completed]",
        "  [es-US] Gracias por llamar. Adiós.",
        "  [hang up]",
    ]


def test_lang_chooses_the_language_and_silence_ends_in_goodbye() -> None:
    result = preview("call", "--lang", "pt", "--keys", "---")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[5] == "> key 3"
    assert lines.count("> (no key: silence)") == 3
    assert lines[-2].startswith("  [pt-BR] ")
    assert "4 1 3, 5 8 7, 1 2 4 9" in lines[-2]
    assert lines[-1] == "  [hang up]"


def test_a_busy_office_brings_the_caller_back_to_the_menu() -> None:
    result = preview("call", "--keys", "1", "0", "0", "--office", "busy")
    lines = result.output.splitlines()
    assert "  [the office's line: busy]" in lines
    after = lines[lines.index("  [the office's line: busy]") + 1 :]
    assert after[0].startswith("  [en-US] The Mayor's office could not take your call.")
    assert after[1] == "  [en-US] To reach the Mayor's office, press 0."
    assert after[2].startswith("  [en-US] Main menu. For police and immigration, press 1.")
    assert lines[-1] == "  [preview stops here: the line is waiting for a key]"


def test_interactive_call_reads_keys_and_silence() -> None:
    result = preview("call", stdin="1\n\n2\nq\n")
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.count("Key (0-9, *, #), Enter for silence, q to hang up: ") == 4
    assert "> key 1" in output and "> (no key: silence)" in output and "> key 2" in output
    assert "  [en-US] City services are open to everyone. Call 4 1 3, 5 8 7, 1 2 4 9." in output
    assert output.rstrip().endswith("[you hang up]")


def test_recordings_are_shown_as_recordings(content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    text = en.read_text(encoding="utf-8")
    en.write_text(
        text.replace(
            "menus:\n", "recordings:\n  choose_language: https://example.org/e.mp3\nmenus:\n", 1
        ),
        encoding="utf-8",
    )
    result = preview("call", "--keys", "-", content=content_copy)
    assert result.output.splitlines()[0] == "  [recording: https://example.org/e.mp3]"


def test_keys_must_be_phone_keys() -> None:
    result = preview("call", "--keys", "1x")
    assert result.exit_code == 2
    assert "'x' is not a phone key" in result.output


def test_keys_after_the_end_of_the_call_are_reported() -> None:
    result = preview("call", "--keys", "1", "0", "0", "1", "--office", "completed")
    assert result.output.splitlines()[-1] == (
        "  [the call has ended; key 1 and those after it were not pressed]"
    )


def test_broken_content_is_listed_not_previewed(tmp_path: Path) -> None:
    result = preview("call", "--keys", "1", content=build_case("cycle", tmp_path))
    assert result.exit_code == 1
    assert "menus loop back on themselves" in result.output


def test_preview_requests_are_signed_and_checked() -> None:
    app, token = preview_app(FIXTURE_CONTENT / "menus", FIXTURE_CONTENT / "messages")
    assert start_call(app, token).waiting
    with pytest.raises(EmulatorError, match="HTTP 403"):
        start_call(app, "not-the-token")


def test_text_conversation_with_segment_counts() -> None:
    result = preview("text", "--lang", "es", "2", "ayuda")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "> ES"
    assert lines[1] == "< 208 characters, 4 segment(s), UCS-2:"
    second = lines.index("> 2")
    assert lines[second + 1] == "< 141 characters, 3 segment(s), UCS-2:"
    assert lines[second + 2] == (
        "  Los servicios de la ciudad son para todos. Llame al 413-587-1249."
    )
    assert "> ayuda" in lines
    assert any("Oficina de la alcaldesa: 413-587-1249" in line for line in lines)


def test_interactive_text_stops_on_an_empty_line() -> None:
    result = preview("text", stdin="hi\n1\n\n")
    assert result.exit_code == 0, result.output
    assert "> hi" in result.output and "> 1" in result.output
    assert "Police and immigration" in result.output
