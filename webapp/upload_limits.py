"""Posts that carry a photo are limited per signed-in user (UPLOAD_LIMIT), over every upload
form at once: decoding is the costliest thing a client can ask of a process.

    @bp.route("/new", methods=["GET", "POST"])
    @role_required(Role.MERCHANT)
    @limit_uploads
    def new(): ...

A post without a file (a form sent back for a typo, a draft of text) is not counted. Past the
limit the answer is 429 with UPLOAD_LIMIT_MESSAGE, on the flash area for htmx.
"""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from webapp.errors import error_response
from webapp.extensions import limiter
from webapp.i18n import N_

UPLOAD_LIMIT_MESSAGE = N_("上传照片太频繁了，请稍后再试。")


def _per_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else \
        (request.remote_addr or "anonymous")


def _carries_no_file() -> bool:
    return not any(upload.filename for _, upload in request.files.items(multi=True))


def _limit() -> str:
    return current_app.config["UPLOAD_LIMIT"]


def _too_many(limit):
    """The answer past the limit (errors.py sends it as it is)."""
    return error_response(UPLOAD_LIMIT_MESSAGE, 429)


limit_uploads = limiter.shared_limit(
    _limit, scope="upload", key_func=_per_user, methods=["POST"], exempt_when=_carries_no_file,
    error_message=UPLOAD_LIMIT_MESSAGE, on_breach=_too_many)
