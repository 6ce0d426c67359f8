"""The shipped content: sourced, complete in every language, short enough to hear and to text.

Also the design for a language Twilio cannot speak (Haitian Creole): it is served from recordings.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import create_app
from hotline.content.load import LoadResult, load_content
from hotline.content.model import MAIN_MENU, Content
from hotline.content.schema import LANGUAGE_REVIEW_STATES, MESSAGE_REVIEW_STATES
from hotline.sms.segments import sms_size
from hotline.sms.words import fold, sms_words, topic_words
from hotline.wording import fill, text_values, voice_values
from tests.conftest import NO_SENDER_LIMITS, REPO_ROOT, app_settings
from tests.sms_sim import Texter
from tests.tree_walk import key_trails, presses
from tests.twilio_sim import Call

STATEMENT = "statement-2026-02"
STATEMENT_DATE = "2026-02-05"
SOURCE = re.compile(r"^(statement-2026-02 (¶\d+(, ¶\d+)*|contact)|privacy-notice)$")
LANGUAGES = ("en", "es", "pt")

# Budgets. A spoken message stays under about 45 seconds: at most 110 words and 650 characters
# once the phone number and email are filled in as the voice says them.
VOICE_MAX_WORDS = 110
VOICE_MAX_CHARS = 650
# A text reply (the message and the navigation line below it) fits in 3 SMS segments: up to
# 459 characters in GSM-7, but only 201 once one accented letter makes it UCS-2 (67 a part).
SMS_MAX_SEGMENTS = 3
MAIN_MENU_MAX_OPTIONS = 7
MAX_PRESSES = 3

# Words of a spoken instruction, which a text version must not contain.
PRESS = {"en": r"\bpress\b", "es": r"\b(oprima|pulse|marque)\b", "pt": r"\b(pressione|aperte)\b"}
NO_LEGAL_ADVICE = {
    "en": "cannot give legal advice",
    "es": "no puede dar asesoría legal",
    "pt": "não pode dar orientação jurídica",
}
PROPOSED = {
    "en": r"\bproposed?\b|\bproposals?\b",
    "es": r"\bpropuest[ao]s?\b",
    "pt": r"\bpropost[ao]s?\b|\bpropuseram\b",
}

# Each commitment of the statement the line must give, the message that gives it, and what the
# message must say in each language (in its spoken and its text version).
COMMITMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "police do not assist civil immigration enforcement": (
        "police-role",
        {
            "en": r"do not help with civil immigration enforcement",
            "es": r"no ayuda a aplicar las leyes civiles de inmigración",
            "pt": r"não ajuda a aplicar as leis civis de imigração",
        },
    ),
    "police do not act as an immigration enforcement agency": (
        "police-role",
        {
            "en": r"do not act as an immigration enforcement agency",
            "es": r"(no|ni) actúa como agencia (de control )?migratori[ao]",
            "pt": r"(não|nem) atua como agência de imigração",
        },
    ),
    "no one is held only on a civil immigration detainer": (
        "police-detainers",
        {
            "en": r"not hold anyone only because of a civil immigration detainer",
            "es": r"no detiene a nadie solo por una solicitud civil de retención migratoria",
            "pt": r"não detém ninguém (apenas|só) por um pedido civil de detenção migratória",
        },
    ),
    "judicial warrants are treated as for any federal agency": (
        "police-detainers",
        {
            "en": r"judicial warrant.*any federal agency",
            "es": r"orden judicial.*cualquier agencia federal",
            "pt": r"mandado judicial.*qualquer agência federal",
        },
    ),
    "police do not ask about immigration status": (
        "police-status",
        {
            "en": r"do not ask about immigration status",
            "es": r"no preguntan? por el estatus migratorio",
            "pt": r"não perguntam? sobre status migratório",
        },
    ),
    "police do not collect immigration information": (
        "police-status",
        {
            "en": r"(do not|or) collect immigration information",
            "es": r"recopilan? (información|datos) migratori",
            "pt": r"coletam? (informações|dados) de imigração",
        },
    ),
    "civil immigration violations are not crimes in Massachusetts": (
        "police-detainers",
        {
            "en": r"civil immigration violation is not a crime",
            "es": r"infracción migratoria civil no es (un )?delito",
            "pt": r"infração civil de imigração não é crime",
        },
    ),
    "police do not interfere with lawful federal actions": (
        "police-federal",
        {
            "en": r"do not interfere with federal actions carried out under lawful authority",
            "es": r"no interfiere en acciones federales (realizadas|hechas) con autoridad legal",
            "pt": r"não interfere em ações federais feitas com autoridade legal",
        },
    ),
    "immigration enforcement is federal": (
        "federal-role",
        {
            "en": r"Federal immigration enforcement is the job of the federal government",
            "es": r"control migratorio (federal )?es responsabilidad del gobierno federal",
            "pt": r"fiscalização (federal )?de imigração é responsabilidade do governo federal",
        },
    ),
    "the city does not direct, control or take part in ICE operations": (
        "federal-role",
        {
            "en": r"does not direct, control or take part in (ICE|I\.C\.E\.) operations",
            "es": r"no dirige, no controla (y no|ni) participa en operativos de ICE",
            "pt": r"não dirige, não controla (e não|nem) participa de operações do ICE",
        },
    ),
    "city resources are not used for immigration enforcement": (
        "police-role",
        {
            "en": r"City resources are (also )?not used to carry out federal immigration",
            "es": r"recursos de la ciudad tampoco se usan|ciudad no usa sus recursos",
            "pt": r"recursos da cidade também não são usados|cidade não usa seus recursos",
        },
    ),
    "emergency, public safety, city and school programs are open to all residents": (
        "services-open",
        {
            "en": r"open to all residents, whatever their immigration status",
            "es": r"todos los residentes, sin importar su estatus",
            "pt": r"todos os moradores, (independentemente do|seja qual for o) status",
        },
    ),
    "people can seek medical and mental health care without fear": (
        "services-health",
        {
            "en": r"medical care and mental health services.*without fear",
            "es": r"atención médica y de salud mental.*sin miedo",
            "pt": r"atendimento médico e de saúde mental.*sem medo",
        },
    ),
    "the state's measures are proposals": ("state-proposals", PROPOSED),
    "the city works with state partners and legal counsel, with more training": (
        "city-now",
        {
            "en": r"lawyers.*training",
            "es": r"asesores legales.*capacitación",
            "pt": r"assessoria jurídica.*treinamento",
        },
    ),
    "the city reaffirmed its commitment to inclusion and sanctuary": (
        "city-commitment",
        {
            "en": r"commitment to inclusion and sanctuary",
            "es": r"compromiso con la inclusión y el santuario",
            "pt": r"compromisso com a inclusão e o santuário",
        },
    ),
    "the line does not record calls": (
        "about-line",
        {"en": r"does not record calls", "es": r"no graba", "pt": r"não grava"},
    ),
}

# Each message's source paragraphs, with words of the statement each one summarises: proves the
# paragraph numbers point at the right text of the statement (sources/statement-2026-02.yaml).
CITED: dict[str, dict[int, str]] = {
    "police-role": {7: "does not assist with civil immigration enforcement"},
    "police-status": {7: "do not inquire about immigration status"},
    "police-detainers": {
        7: "solely on civil immigration detainers",
        9: "Judicial warrants, when presented",
    },
    "city-commitment": {
        1: "commitment to inclusion and sanctuary",
        12: "protecting those most at risk",
    },
    "police-federal": {8: "does not interfere with federal actions"},
    "federal-role": {
        3: "compelling state and local governments",
        6: "does not direct, control, or participate in ICE operations",
        7: "city resources are not used",
    },
    "services-open": {11: "available to all residents, regardless of immigration status"},
    "services-health": {11: "seek medical care, mental health services"},
    "state-proposals": {
        3: "Governor Maura Healey and Attorney General Andrea Campbell",
        4: "proposed legislation and executive measures",
    },
    "city-now": {
        10: "coordinating with state partners and legal counsel",
        12: "within the bounds of local authority",
    },
}

# Words texters use for common worries, and the topic each must open, per language.
TOPIC_WORDS = {
    "en": {"police": "police", "ICE": "federal-role", "school": "services-open",
           "hospital": "services-health", "doctor": "services-health"},
    "es": {"policía": "police", "ICE": "federal-role", "escuela": "services-open",
           "hospital": "services-health", "médico": "services-health"},
    "pt": {"polícia": "police", "ICE": "federal-role", "escola": "services-open",
           "hospital": "services-health", "médico": "services-health"},
}  # fmt: skip


@pytest.fixture(scope="module")
def shipped() -> Content:
    result = load_content(REPO_ROOT / "menus", REPO_ROOT / "messages")
    assert result.content is not None, [p.format() for p in result.problems.sorted()]
    return result.content


def versions(content: Content, code: str, message_id: str) -> Iterator[tuple[str, str]]:
    text = content.translations[code].messages[message_id]
    yield "voice", text.voice
    yield "text", text.text


# The files -----------------------------------------------------------------------------------


def test_shipped_content_has_no_errors_and_no_warnings():
    result = load_content(REPO_ROOT / "menus", REPO_ROOT / "messages")
    assert [p.format() for p in result.problems.sorted()] == []


def test_every_language_is_shipped_with_the_voice_that_speaks_it(shipped):
    voices = {lang.code: (lang.twilio_language, lang.voice) for lang in shipped.languages}
    assert voices == {
        "en": ("en-US", "Polly.Joanna-Neural"),
        "es": ("es-US", "Polly.Lupe-Neural"),
        "pt": ("pt-BR", "Polly.Camila-Neural"),
    }


def test_translations_say_honestly_whether_a_person_checked_them(shipped):
    for code in LANGUAGES:
        translation = shipped.translations[code]
        assert translation.review in LANGUAGE_REVIEW_STATES, code
        for message_id, text in translation.messages.items():
            assert text.review in MESSAGE_REVIEW_STATES, (code, message_id)
    # Machine drafts: no human translator has checked Spanish or Portuguese yet.
    assert shipped.translations["es"].review == "draft"
    assert shipped.translations["pt"].review == "draft"


# Sources -------------------------------------------------------------------------------------


def test_every_message_names_its_source_and_date(shipped):
    for message in shipped.messages.values():
        assert SOURCE.match(message.source), (message.id, message.source)
        assert message.date.isoformat() == STATEMENT_DATE, message.id


def test_the_statement_is_in_the_project_as_the_city_published_it(shipped):
    statement = shipped.sources[STATEMENT]
    assert statement.title.startswith("Statement Updating Northampton")
    assert statement.date is not None and statement.date.isoformat() == STATEMENT_DATE
    assert [name.split(",")[1].strip() for name in statement.signed_by] == [
        "Mayor",
        "Chief of Police",
        "Commissioner",
    ]
    paragraphs = [text for label, text in statement.passages.items() if label.startswith("¶")]
    assert paragraphs[0].startswith("Northampton is reaffirming")
    assert paragraphs[-1].startswith("Northampton will continue")
    assert list(statement.passages)[: len(paragraphs)] == [
        f"¶{n}" for n in range(1, len(paragraphs) + 1)
    ]


def test_cited_paragraphs_exist(shipped):
    for message in shipped.messages.values():
        for source, citation in shipped.cited(message.id):
            for label in citation.passages:
                assert label in source.passages, (message.id, label)


def test_cited_paragraphs_hold_what_each_message_summarises(shipped):
    statement = shipped.sources[STATEMENT]
    for message_id, cited in CITED.items():
        numbers = {int(n) for n in re.findall(r"¶(\d+)", shipped.messages[message_id].source)}
        assert numbers == set(cited), message_id
        for number, words in cited.items():
            assert words in statement.passages[f"¶{number}"], (message_id, number, words)


def test_the_office_is_the_statements_contact(shipped):
    closing = shipped.sources[STATEMENT].passages["contact"]
    assert "413-587-1249" in closing and shipped.office.phone == "+14135871249"
    assert shipped.office.email in closing


# Completeness --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_menu_and_message_is_written_in_every_language(shipped, code):
    translation = shipped.translations[code]
    assert set(translation.menus) == set(shipped.menus)
    assert set(translation.messages) == set(shipped.messages)
    for menu_id, menu_text in translation.menus.items():
        assert menu_text.title.strip(), (code, menu_id)
    for message_id, text in translation.messages.items():
        assert text.title.strip() and text.voice.strip() and text.text.strip(), (code, message_id)


# Spanish and Portuguese texts fit 3 UCS-2 segments (about 150 characters): the one commitment
# their detainer text has no room for is given by voice, and in English by text.
SPOKEN_ONLY = {("civil immigration violations are not crimes in Massachusetts", "es"),
               ("civil immigration violations are not crimes in Massachusetts", "pt")}  # fmt: skip


@pytest.mark.parametrize("commitment", COMMITMENTS)
@pytest.mark.parametrize("code", LANGUAGES)
def test_each_commitment_is_given_in_each_language_within_three_presses(shipped, code, commitment):
    message_id, patterns = COMMITMENTS[commitment]
    assert presses(shipped)[message_id] <= MAX_PRESSES
    for version, text in versions(shipped, code, message_id):
        if version == "text" and (commitment, code) in SPOKEN_ONLY:
            continue
        assert re.search(patterns[code], text, re.IGNORECASE | re.DOTALL), (version, text)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_states_measures_are_called_proposals(shipped, code):
    for version, text in versions(shipped, code, "state-proposals"):
        assert re.search(PROPOSED[code], text, re.IGNORECASE), (version, text)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_line_says_it_cannot_give_legal_advice_where_a_caller_may_need_it(shipped, code):
    for message_id in ("police-status", "police-detainers", "about-line"):
        voice = shipped.translations[code].messages[message_id].voice
        assert NO_LEGAL_ADVICE[code] in voice, (code, message_id)


# Shape of the tree ---------------------------------------------------------------------------


def test_every_menu_and_message_is_within_three_presses_of_the_main_menu(shipped):
    depth = presses(shipped)
    assert set(depth) == set(shipped.menus) | set(shipped.messages)
    too_deep = {node: d for node, d in depth.items() if d > MAX_PRESSES}
    assert too_deep == {}


def test_the_main_menu_stays_short(shipped):
    assert 1 < len(shipped.menus[MAIN_MENU].options) <= MAIN_MENU_MAX_OPTIONS


# Length --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_spoken_messages_fit_the_45_second_budget(shipped, code):
    values = voice_values(shipped, code)
    for message_id, text in shipped.translations[code].messages.items():
        spoken = fill(text.voice, values)
        assert len(spoken) <= VOICE_MAX_CHARS, (code, message_id, len(spoken))
        assert len(spoken.split()) <= VOICE_MAX_WORDS, (code, message_id, len(spoken.split()))


@pytest.mark.parametrize("code", LANGUAGES)
def test_spoken_text_spells_numbers_and_uses_placeholders(shipped, code):
    for message_id, text in shipped.translations[code].messages.items():
        assert not re.search(r"\d", text.voice), (code, message_id, "spell numbers for speech")
        assert "413" not in text.text and "mayor@" not in text.text, (code, message_id)


@pytest.mark.parametrize("code", LANGUAGES)
def test_text_replies_fit_in_three_sms_segments(shipped, code):
    translation = shipped.translations[code]
    navigation = translation.sms.sentence("navigation")
    values = text_values(shipped)
    for message_id, text in translation.messages.items():
        reply = fill(f"{text.text}\n\n{navigation}", values)
        size = sms_size(reply)
        assert size.segments <= SMS_MAX_SEGMENTS, (code, message_id, size.describe())


@pytest.mark.parametrize("code", LANGUAGES)
def test_text_versions_never_ask_to_press_a_key(shipped, code):
    for message_id, text in shipped.translations[code].messages.items():
        assert not re.search(PRESS[code], text.text, re.IGNORECASE), (code, message_id)
    for name in ("welcome", "navigation", "help", "office", "problem"):
        assert not re.search(PRESS[code], translation_sms(shipped, code, name), re.IGNORECASE)


def translation_sms(content: Content, code: str, name: str) -> str:
    return content.translations[code].sms.sentences[name]


def test_sms_counter_counts_gsm7_and_ucs2_as_twilio_does():
    assert sms_size("a" * 160).segments == 1
    assert sms_size("a" * 161).segments == 2
    assert sms_size("a" * 459).segments == 3
    assert sms_size("a" * 460).segments == 4
    assert sms_size("ñ" * 160).encoding == "GSM-7"
    assert sms_size("á" + "a" * 69).segments == 1
    assert sms_size("á" + "a" * 200).segments == 3
    assert sms_size("á" + "a" * 201).segments == 4


# Words texters send --------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_word_opens_exactly_one_topic_in_its_language(shipped, code):
    owner: dict[str, str] = {}
    for meaning, words in sms_words(shipped, code).items():
        for word in words:
            assert owner.setdefault(fold(word), f"sms:{meaning}") == f"sms:{meaning}", word
    for node_id, words in topic_words(shipped, code).items():
        for word in words:
            assert owner.setdefault(fold(word), node_id) == node_id, (code, word)


def test_a_word_shared_by_languages_opens_the_same_topic_in_each(shipped):
    topic_of: dict[str, str] = {}
    for code in LANGUAGES:
        for node_id, words in topic_words(shipped, code).items():
            for word in words:
                assert topic_of.setdefault(fold(word), node_id) == node_id, (code, word)


@pytest.mark.parametrize("code", LANGUAGES)
def test_common_worries_have_topic_words(shipped, code):
    opens = {
        fold(word): node for node, words in topic_words(shipped, code).items() for word in words
    }
    for word, node in TOPIC_WORDS[code].items():
        assert opens.get(fold(word)) == node, (code, word)


# Whole calls and conversations ---------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_whole_call_hears_every_message_in_the_callers_language_and_voice(shipped, code):
    app = create_app(app_settings(REPO_ROOT, **NO_SENDER_LIMITS))
    language = shipped.language(code)
    assert language is not None
    call = Call(app.test_client()).start()
    assert {h.voice for h in call.heard} == {lang.voice for lang in shipped.languages}
    call.press(language.key)
    heard = list(call.heard)
    for message_id, keys in key_trails(shipped).items():
        if message_id not in shipped.messages:
            continue
        for key in keys:
            call.press(key)
            heard += call.heard
        spoken = fill(
            shipped.translations[code].messages[message_id].voice, voice_values(shipped, code)
        )
        assert call.heard[0].text == spoken, (code, message_id)
        call.press(shipped.keys.main_menu)
        heard += call.heard
    assert not call.ended
    assert heard and all(h.language == language.twilio_language for h in heard)
    assert all(h.voice == language.voice and not h.played for h in heard)


@pytest.mark.parametrize("code", ["es", "pt"])
def test_a_texter_reads_each_commitment_in_their_language_within_three_replies(shipped, code):
    app = create_app(app_settings(REPO_ROOT, **NO_SENDER_LIMITS))
    trails = key_trails(shipped)
    for message_id in sorted({message for message, _ in COMMITMENTS.values()}):
        texter = Texter(app.test_client(use_cookies=False))
        texter.send(sms_words(shipped, code)["language"][0])
        assert len(trails[message_id]) <= MAX_PRESSES
        for key in trails[message_id]:
            texter.send(key)
        expected = fill(shipped.translations[code].messages[message_id].text, text_values(shipped))
        assert texter.text.startswith(expected), (code, message_id)


# A language with recordings only -------------------------------------------------------------

RECORDED = Path(__file__).parent / "fixtures" / "recorded-language"


def load(folder: Path) -> LoadResult:
    return load_content(folder / "menus", folder / "messages")


def test_a_language_without_a_twilio_voice_loads_from_recordings():
    result = load(RECORDED)
    assert [p.format() for p in result.problems.sorted()] == []
    assert result.content is not None
    assert result.content.language("ht").voice is None


def test_a_call_in_a_recorded_language_hears_only_recordings():
    content = load(RECORDED).content
    assert content is not None
    ht = content.translations["ht"]
    recordings = {
        *ht.prompt_recordings.values(),
        *(text.recording for text in ht.menus.values()),
        *(text.recording for text in ht.messages.values()),
    }
    call = Call(create_app(app_settings(RECORDED)).test_client()).start()
    assert any(h.played and h.text == ht.prompt_recordings["choose_language"] for h in call.heard)
    heard = []
    # Language, then police, the message under it, back, main menu, a wrong key, the office
    # (its number and email), then the transfer.
    for key in ("2", "1", "1", "#", "9", "5", "0", "0"):
        call.press(key)
        heard += call.heard
    call.dial_ends("no-answer")
    heard += call.heard
    while not call.ended:
        call.silence()
        heard += call.heard
    assert heard and all(h.played and h.text in recordings for h in heard)
    played = {h.text for h in heard}
    for needed in (
        ht.menus["main"].recording,
        ht.menus["police"].recording,
        ht.messages["police-role"].recording,
        ht.prompt_recordings["not_an_option"],
        ht.prompt_recordings["office_details"],
        ht.prompt_recordings["connecting"],
        ht.prompt_recordings["number_hidden"],
        ht.prompt_recordings["office_unavailable"],
        ht.prompt_recordings["goodbye"],
    ):
        assert needed in played


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  repeat: https://recordings.example.org/ht/repeat.mp3\n",
         "prompt 'repeat' needs a recording: ht has no Twilio voice"),
        ("    recording: https://recordings.example.org/ht/menu-police.mp3\n",
         "menu 'police' needs a recording: ht has no Twilio voice"),
        ("    recording: https://recordings.example.org/ht/message-services.mp3\n",
         "message 'services' needs a recording: ht has no Twilio voice"),
    ],
)  # fmt: skip
def test_a_missing_recording_is_a_clear_error(tmp_path, line, expected):
    folder = tmp_path / "content"
    shutil.copytree(RECORDED, folder)
    ht = folder / "messages" / "ht.yaml"
    text = ht.read_text(encoding="utf-8")
    assert text.count(line) == 1
    ht.write_text(text.replace(line, ""), encoding="utf-8")
    result = load(folder)
    assert result.content is None
    errors = [p for p in result.problems.errors if expected in p.message]
    assert len(errors) == 1, [p.format() for p in result.problems.sorted()]
    assert errors[0].file.endswith("ht.yaml")
