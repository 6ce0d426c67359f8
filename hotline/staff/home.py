"""The page at `/` in dev mode: what this server is, and where to go next.

Only a dev server shows it: a production line answers Twilio and staff, not visitors.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline import services

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def home() -> str:
    settings = services.current().settings
    return render_template(
        "home/index.html",
        console=settings.staff_password is not None,
        signed=settings.auth_token is not None,
    )


@bp.get("/favicon.ico")
def favicon() -> tuple[str, int]:
    # Browsers ask for it on every page; an empty answer keeps a 404 out of their console.
    return "", 204
