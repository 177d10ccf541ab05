"""Private image uploads (ID and licence photos): checked by content, re-encoded bare, kept
outside `static/` under random names.

    clean = clean_image(form.id_photo.data)      # raises UploadRejected(message)
    name = store(clean, "kyc")                   # "kyc/<random>.jpg", keep it in the database
    ...
    return send_private(name)                    # in a view that has checked who may see it
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from flask import abort, current_app, has_app_context, request, send_file
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from webapp import offload
from webapp.database import private_dir
from webapp.i18n import N_

Format = Literal["jpeg", "png", "webp"]

# Pillow's format name -> ours. A phone's MPO (several JPEG frames) is a JPEG; we keep frame one.
FORMATS: dict[str, Format] = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp"}
EXTENSIONS: dict[Format, str] = {"jpeg": "jpg", "png": "png", "webp": "webp"}
MIMETYPES: dict[str, str] = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
JPEG_QUALITY = 88
WEBP_QUALITY = 88
# A JPEG may declare this many times UPLOAD_MAX_PIXELS: decoded at half scale (or less) each way
# it holds no more than the cap. Beyond, even Huffman-decoding it is refused.
JPEG_SCALE_ALLOWANCE = 4

# Exactly what store() makes: folder segments, then a token and a known extension. Nothing else
# (no "..", no leading "/", no backslash, no NUL) gets as far as the file system.
_SEGMENT = r"[A-Za-z0-9_-]+"
_FOLDER = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_NAME = re.compile(rf"(?:{_SEGMENT}/)+{_SEGMENT}\.(?:jpg|png|webp)")

NOT_AN_IMAGE = N_("请上传 JPEG、PNG 或 WebP 图片")
TOO_LARGE = N_("图片尺寸过大")
BROKEN = N_("图片已损坏，请重新拍摄")
EMPTY = N_("请选择要上传的图片")


class UploadRejected(Exception):
    """The upload is not an acceptable image; `message` (a msgid) is shown in the page's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = _(message)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    fmt: Format
    width: int
    height: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.fmt]

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.extension]


def clean_image(source: BinaryIO | bytes | None, *, max_bytes: int | None = None,
                max_pixels: int | None = None, max_side: int | None = None) -> CleanImage:
    """Check an uploaded photo by its content and re-encode it without any metadata, scaled
    down to `max_side` pixels on its long side if given (never up).

    `source` is a werkzeug FileStorage, any binary stream, or bytes; None (no file in the form)
    is refused like an empty file. The limits default to UPLOAD_MAX_BYTES and UPLOAD_MAX_PIXELS
    (then an app context is needed). The decoding runs off the event loop (webapp/offload.py).
    Raises only UploadRejected, whatever the bytes.
    """
    config = current_app.config if has_app_context() else {}
    max_bytes = config["UPLOAD_MAX_BYTES"] if max_bytes is None else max_bytes
    max_pixels = config["UPLOAD_MAX_PIXELS"] if max_pixels is None else max_pixels
    raw = _read_at_most(source, max_bytes + 1)
    if not raw:
        raise UploadRejected(EMPTY)
    if len(raw) > max_bytes:
        raise UploadRejected(_("图片不能超过 %(mb)s MB", mb=_megabytes(max_bytes)))
    outcome = offload.run(_clean, raw, max_pixels, max_side, size=config.get("UPLOAD_WORKERS", 2))
    if isinstance(outcome, str):
        raise UploadRejected(outcome)
    return outcome


class _Refused(Exception):
    """Raised off the loop with a msgid; translated by the caller, in the request's context."""


def _clean(raw: bytes, max_pixels: int, max_side: int | None) -> CleanImage | str:
    """The clean image, or the msgid that says why not. Runs in a pool thread: no Flask here."""
    try:
        return _reencode(raw, max_pixels, max_side)
    except _Refused as refused:
        return str(refused)
    # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that, both inside Image.open and
    # before our own size check. Where warnings are errors (the tests) the warning arrives as an
    # exception; elsewhere it is only logged and the size check in _reencode, which counts
    # Pillow's threshold too, says no: the same answer whatever the warning filters of the
    # moment. Changing the warning filters here instead would not be thread-safe.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return TOO_LARGE
    except UnidentifiedImageError:
        return NOT_AN_IMAGE
    except Exception:  # decoders raise OSError, SyntaxError, ValueError, EOFError, zlib.error...
        return BROKEN


def _read_at_most(source: BinaryIO | bytes | None, limit: int) -> bytes:
    if source is None:
        return b""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[:limit])
    stream = getattr(source, "stream", source)  # FileStorage wraps the real stream
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.1f}"


def _reencode(raw: bytes, max_pixels: int, max_side: int | None) -> CleanImage:
    # Only these three decoders ever see the bytes; a name or a Content-Type counts for nothing.
    with Image.open(io.BytesIO(raw), formats=["JPEG", "PNG", "WEBP"]) as image:
        fmt = FORMATS.get(image.format or "")
        if fmt is None:
            raise _Refused(NOT_AN_IMAGE)
        width, height = image.size
        # Before load(): a small file may declare a huge canvas (a decompression bomb). Past
        # Pillow's own threshold too, where Image.open only warned. A JPEG may declare more: it
        # is decoded at 1/2, 1/4 or 1/8 scale straight from the file (draft) when that still
        # covers the stored size, so a 48 MP phone photo costs a few megapixels.
        canvas = max_pixels * JPEG_SCALE_ALLOWANCE if fmt == "jpeg" else max_pixels
        limit = min(canvas, Image.MAX_IMAGE_PIXELS or canvas)
        if width < 1 or height < 1 or width * height > limit:
            raise _Refused(TOO_LARGE)
        if max_side and fmt == "jpeg":
            image.draft("RGB", _fitted(image.size, max_side))
        if image.width * image.height > max_pixels:  # what load() would really decode
            raise _Refused(TOO_LARGE)
        image.load()  # every pixel now, so a truncated or corrupt file fails here
        ImageOps.exif_transpose(image, in_place=True)
        if max_side:
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        clean = _convert(image, fmt)
    # convert() copies `info`, and the PNG encoder falls back to info["icc_profile"]: drop it all
    # so that only pixels are written.
    clean.info = {}
    return _encoded(clean, fmt)


def _fitted(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled to `max_side` on its long side (never up), rounded up."""
    scale = min(1.0, max_side / max(size))
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _encoded(image: Image.Image, fmt: Format) -> CleanImage:
    out = io.BytesIO()
    if fmt == "jpeg":
        # Not optimize=True: Pillow then encodes the whole image in one call that holds the GIL
        # (11 ms for a 1200 px photo, the event loop stalled all along, even from a pool thread);
        # without it the encoder works in chunks, takes 3 ms and the file is about 5 % larger.
        image.save(out, format="JPEG", quality=JPEG_QUALITY)
    elif fmt == "png":
        image.save(out, format="PNG")
    else:
        image.save(out, format="WEBP", quality=WEBP_QUALITY)
    data = out.getvalue()
    return CleanImage(data=data, fmt=fmt, width=image.width, height=image.height,
                      sha256=hashlib.sha256(data).hexdigest())


def fit_photo(clean: CleanImage, max_side: int) -> CleanImage:
    """Scale a cleaned photo down to `max_side` pixels on its long side (never up), off the loop.

    Photos are usually fitted as they are cleaned (clean_image's `max_side`), and then this
    returns them as they are. `clean` holds no metadata, so neither does the result.
    """
    if max(clean.width, clean.height) <= max_side:
        return clean
    size = current_app.config.get("UPLOAD_WORKERS", 2) if has_app_context() else 2
    return offload.run(_fit, clean, max_side, size=size)


def _fit(clean: CleanImage, max_side: int) -> CleanImage:
    with Image.open(io.BytesIO(clean.data)) as image:
        image.load()
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return _encoded(image, clean.fmt)


def _convert(image: Image.Image, fmt: Format) -> Image.Image:
    """RGB for JPEG; RGBA for a PNG or WebP with any transparency, RGB otherwise."""
    if image.mode.startswith(("I", "F")):
        # 16-bit grey PNG: scale to 8 bits (a plain convert would clip nearly all to white).
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if fmt != "jpeg" and image.has_transparency_data:
        return image.convert("RGBA")
    return image.convert("RGB")


def _root() -> Path:
    root = current_app.config.get("UPLOAD_DIR")
    if not root:
        raise RuntimeError("UPLOAD_DIR is not set")
    return Path(root).resolve()


def store(clean: CleanImage, folder: str) -> str:
    """Write `clean` under UPLOAD_DIR/<folder>/ with a random name; return "<folder>/<name>.<ext>".

    The file is readable by this user only (0o600). If the database write that records the name
    fails, call discard(name).
    """
    if not isinstance(folder, str) or not _FOLDER.fullmatch(folder):
        raise ValueError(f"bad upload folder: {folder!r}")
    root = _root()
    if not (root / folder).is_dir():
        private_dir(root)  # the top folder too, not only the one inside it
        (root / folder).mkdir(mode=0o700, exist_ok=True)
    while True:
        name = f"{folder}/{secrets.token_urlsafe(16)}.{clean.extension}"
        path = root / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # 128 random bits; only in theory
            continue
        break
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb") as file:
            file.write(clean.data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return name


def path_of(name: str) -> Path:
    """The file behind a name from store(); FileNotFoundError for any other shape of name.

    The file itself need not exist (send_private checks that).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise FileNotFoundError(name)
    root = _root()
    path = (root / name).resolve()
    # The pattern already rules out "..", this also rules out a symlink that leads outside.
    if not path.is_relative_to(root) or path == root:
        raise FileNotFoundError(name)
    return path


def discard(name: str) -> None:
    """Delete a stored file, if it is there (an upload whose record was never committed)."""
    try:
        path_of(name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass


def send_private(name: str):
    """Send a stored image inline, never cached and never sniffed; 404 when it is not there.

    No access control here: the calling view must first check that the current user may see this
    file (its owner, an admin reviewing it), and load the name from the database through that
    user, never from the URL.
    """
    try:
        path = path_of(name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=MIMETYPES[path.suffix[1:]], conditional=False,
                         etag=False)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def posted_image(field, max_side: int | None = None) -> CleanImage | None:
    """The photo posted for a form's file field, checked, re-encoded and fitted to `max_side`;
    None if none was chosen or it was refused, in which case the reason is added to the
    field's errors. Call it once the rest of the form is valid: decoding is the costly part."""
    upload = request.files.get(field.name)
    if not upload or not upload.filename:
        return None
    try:
        return clean_image(upload, max_side=max_side)
    except UploadRejected as rejected:
        field.errors = [*field.errors, rejected.message]
        return None
