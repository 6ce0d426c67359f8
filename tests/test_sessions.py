"""Flask's sessions still work with the signer made once (hotline/sessions.py), keys rotating."""

from __future__ import annotations

from flask import Flask, session

from hotline.sessions import SessionInterface


def counting_app(key: str, *old_keys: str) -> Flask:
    app = Flask(__name__)
    app.secret_key = key
    app.config["SECRET_KEY_FALLBACKS"] = list(old_keys)
    app.session_interface = SessionInterface()

    @app.get("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    return app


def test_a_session_round_trips_and_the_signer_is_made_once() -> None:
    app = counting_app("k" * 32)
    interface = app.session_interface
    assert isinstance(interface, SessionInterface)
    client = app.test_client()
    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)

    # A new key (without the old one kept) is used at once: the session starts again.
    app.secret_key = "z" * 32
    assert client.get("/count").text == "1"


def test_a_session_signed_with_an_old_key_is_read_after_the_key_changes() -> None:
    before = counting_app("old" * 11).test_client()
    before.get("/count")
    cookie = before.get_cookie("session")
    assert cookie is not None

    after = counting_app("new" * 11, "old" * 11).test_client()
    after.set_cookie("session", cookie.value)
    assert after.get("/count").text == "2"

    stranger = counting_app("new" * 11).test_client()
    stranger.set_cookie("session", cookie.value)
    assert stranger.get("/count").text == "1"
