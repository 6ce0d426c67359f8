"""Whether a password or token is too weak to guard a door on the internet: pure checks that
return the problem in words, or None.

Length alone is not enough: "aaaaaaaaaaaa" and "Northampton1" are twelve characters, and a
dictionary attack tries the second in its first minute. What remains of a password once common
words, keyboard and alphabet runs and repeats are taken out must still be long.
"""

from __future__ import annotations

import re

MIN_PASSWORD_LENGTH = 12
MIN_TOKEN_LENGTH = 32
# What must be left of a password once the guessable parts are taken out.
MIN_REST = 8
MIN_DISTINCT = 6
HOW = (
    "four or five unrelated words, or a random one from "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(16))'"
)
# Words that password lists and a local attacker try first: the most common passwords and the
# words of this line and its city. Longest first, so "password" goes before "pass".
COMMON = sorted(
    {
        "password",
        "passw0rd",
        "pass",
        "qwerty",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "login",
        "master",
        "secret",
        "changeme",
        "default",
        "iloveyou",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "basketball",
        "soccer",
        "hockey",
        "sunshine",
        "princess",
        "shadow",
        "superman",
        "batman",
        "trustno1",
        "whatever",
        "freedom",
        "hello",
        "love",
        "summer",
        "winter",
        "spring",
        "autumn",
        "fall",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "friday",
        "northampton",
        "noho",
        "hampshire",
        "massachusetts",
        "mass",
        "amherst",
        "springfield",
        "boston",
        "hotline",
        "mayor",
        "city",
        "town",
        "staff",
        "console",
        "office",
        "police",
        "twilio",
        "redis",
        "flask",
        "test",
        "testing",
        "user",
        "guest",
        "root",
        "access",
        "computer",
        "internet",
        "google",
        "apple",
        "microsoft",
        "starwars",
        "pokemon",
        "jordan",
        "michael",
        "jennifer",
        "thomas",
        "charlie",
        "ashley",
        "daniel",
    },
    key=len,
    reverse=True,
)
RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv",
)
_REPEATS = re.compile(r"(.+?)\1+")


def _without_runs(text: str) -> str:
    """`text` without any run of three or more characters that follow each other on a keyboard
    or in the alphabet, either way."""
    kept, i = [], 0
    while i < len(text):
        end = i + 1
        while end < len(text) and any(
            text[end - 1 : end + 1] in run or text[end - 1 : end + 1] in run[::-1] for run in RUNS
        ):
            end += 1
        if end - i >= 3:
            i = end
        else:
            kept.append(text[i])
            i += 1
    return "".join(kept)


def guessable_rest(password: str) -> str:
    """What is left of a password once common words, runs and repeats are taken out."""
    rest = password.lower()
    for word in COMMON:
        rest = rest.replace(word, "")
    rest = _REPEATS.sub(r"\1", rest)
    return _without_runs(rest)


def password_problem(name: str, value: str) -> str | None:
    """The problem with a password people type (the staff console's), or None."""
    if len(value) < MIN_PASSWORD_LENGTH:
        return f"{name} has {len(value)} characters; use at least {MIN_PASSWORD_LENGTH}: {HOW}"
    if len(set(value.lower())) < MIN_DISTINCT or len(guessable_rest(value)) < MIN_REST:
        return (
            f"{name} is too easy to guess (common words, keyboard or alphabet runs, repeated "
            f"characters); the console is on the internet, so choose {HOW}"
        )
    return None


def token_problem(name: str, value: str) -> str | None:
    """The problem with a token a machine sends (such as the metrics token), or None."""
    if len(value) < MIN_TOKEN_LENGTH or len(set(value)) < MIN_DISTINCT * 2:
        return (
            f"{name} has {len(value)} characters, {len(set(value))} of them different; use at "
            f"least {MIN_TOKEN_LENGTH} random characters, such as the output of "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return None
