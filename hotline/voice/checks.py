"""Checks of what callers hear, measured on the documents the voice renderer really sends.

Each check is `check(content, problems, sources)`, run by hotline.content.validate through
hotline.channel_checks; nothing here rebuilds a sentence the renderer already makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.content.model import Content
from hotline.content.problems import ProblemList
from hotline.content.twilio_voices import say_limit, voice_family
from hotline.navigation import shortest_trails
from hotline.voice import caller_time
from hotline.voice.offline import addresses
from hotline.voice.speech import Said, said, seconds
from hotline.voice.twiml import VoiceRenderer
from hotline.wording import fill, voice_values

if TYPE_CHECKING:
    from hotline.content.validate import Sources

# Seconds of the greeting before a caller can choose a language, and of a whole menu, past which
# staff are warned: callers hang up, or forget the first options.
GREETING_SECONDS_WARNING = 30
MENU_SECONDS_WARNING = 45


def check_say_lengths(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    """Every prompt and message fits in one <Say> of its voice (Twilio refuses longer ones)."""
    for language in content.languages:
        translation = content.translations.get(language.code)
        if translation is None or not language.voice:
            continue
        limit = say_limit(language.voice)
        family = (voice_family(language.voice) or "these").title()
        values = voice_values(content, language.code)
        texts = [
            (f"prompt '{name}'", text, ("prompts", name))
            for name, text in translation.prompts.items()
            if name not in translation.prompt_recordings
        ] + [
            (f"message '{message_id}'", text.voice, ("messages", message_id, "voice"))
            for message_id, text in translation.messages.items()
            if not text.recording
        ]
        for what, text, keys in texts:
            filled = fill(text, values)
            if len(filled) > limit:
                problems.error(
                    translation.file,
                    _line(sources, translation.file, *keys),
                    f"{what} in {language.code} is {len(filled):,} characters; {family} voices "
                    f"say at most {limit:,} at once",
                    "shorten it, or split it into two messages",
                )


def check_menu_lengths(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    """Every menu's options fit in one <Say> of its voice, as the renderer joins them."""
    if problems.errors:
        return  # menus are joined only from content without errors
    renderer = VoiceRenderer(content)
    reachable = shortest_trails(content)
    for language in content.languages:
        translation = content.translations[language.code]
        if not language.voice:
            continue
        limit = say_limit(language.voice)
        for menu_id in content.menus:
            if menu_id not in reachable or translation.menus[menu_id].recording:
                continue
            size = len(renderer.menu_text(language.code, menu_id))
            if size > limit:
                problems.error(
                    translation.file,
                    _line(sources, translation.file, "menus", menu_id),
                    f"menu '{menu_id}' in {language.code} is said as {size:,} characters at "
                    f"once; its voice says at most {limit:,}",
                    "shorten the intro and titles, or split the menu in two",
                )


def check_listening_time(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    """Warn of a greeting or menu too long to listen to, timed on the documents as sent."""
    if problems.errors:
        return  # documents are rendered only from content without errors
    with addresses():
        renderer = VoiceRenderer(content)
        rates = {lang.twilio_language: lang.words_per_minute for lang in content.languages}
        _check_greeting(content, renderer, rates, problems, sources)
        trails = shortest_trails(content)
        for language in content.languages:
            translation = content.translations[language.code]
            if not language.voice:
                continue
            for menu_id in content.menus:
                if menu_id not in trails or translation.menus[menu_id].recording:
                    continue
                total = _seconds(said(renderer.node(language.code, trails[menu_id])), rates)
                if total > MENU_SECONDS_WARNING:
                    problems.warning(
                        translation.file,
                        _line(sources, translation.file, "menus", menu_id),
                        f"menu '{menu_id}' takes about {total:.0f} seconds to say in "
                        f"{language.code} (more than {MENU_SECONDS_WARNING}); callers forget "
                        "the first options",
                        "shorten the intro and titles, or split the menu in two",
                    )


def check_caller_time(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    """Warn when an answer is heard later than `targets: caller_seconds` into a call."""
    if problems.errors:
        return  # documents are rendered only from content without errors
    target = content.targets.caller_seconds
    renderer = VoiceRenderer(content)
    settings = sources.settings_file if sources else "menus/settings.yaml"
    for language in content.languages:
        translation = content.translations[language.code]
        for timing in caller_time.timings(content, language.code, renderer):
            if timing.barge_in <= target:
                continue
            if timing.node_id in content.messages:
                file, keys = translation.file, ("messages", timing.node_id)
            elif timing.node_id in content.menus:
                file, keys = translation.file, ("menus", timing.node_id)
            else:
                file, keys = settings, ("office",)
            problems.warning(
                file,
                _line(sources, file, *keys),
                f"a caller who presses {' '.join(timing.keys)} in {language.code} hears "
                f"{timing.what} {timing.barge_in:.0f} seconds into the call, even pressing each "
                f"key as soon as it is named (targets: caller_seconds is {target})",
                "put the answer in the first sentence, move the option earlier in its menu, or "
                "shorten what is said before it; `hotline map --timing` shows every figure",
            )


def _check_greeting(
    content: Content,
    renderer: VoiceRenderer,
    rates: dict[str, int],
    problems: ProblemList,
    sources: Sources | None,
) -> None:
    total = _seconds(said(renderer.greeting(1)), rates)
    if total > GREETING_SECONDS_WARNING:
        file = sources.settings_file if sources else "menus/settings.yaml"
        problems.warning(
            file,
            _line(sources, file, "languages"),
            f"the greeting takes about {total:.0f} seconds to say (more than "
            f"{GREETING_SECONDS_WARNING}) before a caller can choose a language",
            "shorten the emergency and choose_language prompts",
        )


def _seconds(says: list[Said], rates: dict[str, int]) -> float:
    return sum(seconds(say.text, rates.get(say.language, 150)) for say in says)


def _line(sources: Sources | None, file: str, *keys: str) -> int | None:
    return sources.line(file, *keys) if sources else None


CHECKS = (check_say_lengths, check_menu_lengths)
# Only warn, and render every place a caller can reach: run for staff, not on every load.
ADVICE = (check_listening_time, check_caller_time)
