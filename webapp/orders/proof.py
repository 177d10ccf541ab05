"""The proof of delivery: the signature checked and re-encoded, and the SHA-256 digest over the
signature and every recorded fact, checked again whenever the proof is shown."""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from webapp.models import Order, ProofOfDelivery
from webapp.uploads import path_of
from webapp.web import ServiceError


def decode_signature(data_url: str) -> bytes:
    """Check a signature data URL by content and re-encode it as a clean PNG.

    Refused: anything but a PNG, an empty canvas, and a trivial mark (a dot, a tick) that inks
    less than SIGNATURE_MIN_INK of the canvas or spans less than SIGNATURE_MIN_SPAN of it.
    """
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise ServiceError(_("签名格式无效，请重新签名。"), 422)
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError(_("签名格式无效，请重新签名。"), 422) from None
    if len(raw) > current_app.config["SIGNATURE_MAX_BYTES"]:
        raise ServiceError(_("签名图片过大，请重新签名。"), 413)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or image.width * image.height > 4_000_000:
                raise ServiceError(_("签名格式无效，请重新签名。"), 422)
            image.load()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ServiceError(_("签名格式无效，请重新签名。"), 422) from None
    # Ink = what shows dark on white paper, whether the canvas is transparent or white.
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    ink = Image.alpha_composite(paper, rgba).convert("L").point(lambda v: 255 if v < 160 else 0)
    box = ink.getbbox()
    if box is None:
        raise ServiceError(_("签名为空，请在签名区内签名。"), 422)
    width, height = rgba.size
    share = ink.histogram()[255] / (width * height)
    span = max((box[2] - box[0]) / width, (box[3] - box[1]) / height)
    config = current_app.config
    if share < config["SIGNATURE_MIN_INK"] or span < config["SIGNATURE_MIN_SPAN"]:
        raise ServiceError(_("签名过于简单，请写下完整的签名。"), 422)
    if share > 0.5:
        raise ServiceError(_("签名格式无效，请重新签名。"), 422)  # a filled canvas is no signature
    out = io.BytesIO()
    rgba.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def proof_digest(proof: ProofOfDelivery) -> str:
    """SHA-256 over the signature and every recorded fact, in a fixed order.

    Scheme 1 (proofs from before migration 0006) covered fewer facts, scheme 2 (before 0015)
    no payment; each proof is checked against the facts of its own scheme, and the scheme itself
    is one of them from 2 on. Scheme 3 adds the payment as it stood at the signature
    (webapp/orders/signing.py `payment_facts`); scheme 4 where it was signed (the buyer's own
    account, or handed over on the courier's phone) and whether the receipt code matched there.
    """
    facts = {
        "order_id": proof.order_id, "signer_name": proof.signer_name,
        "signer_id": proof.signer_id, "signed_at": proof.signed_at.isoformat(),
        "lat": proof.lat, "lng": proof.lng, "accepted_lines": proof.accepted_lines,
    }
    if proof.scheme != 1:
        facts.update(scheme=proof.scheme, accuracy=proof.accuracy,
                     position_at=_iso(proof.position_at), rejected_lines=proof.rejected_lines,
                     refund_fen=proof.refund_fen)
    if proof.scheme not in (1, 2):
        facts.update(payment=proof.payment)
    if proof.scheme not in (1, 2, 3):
        facts.update(signed_on=proof.signed_on, code_matched=proof.code_matched)
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode())
    digest.update(proof.signature_png)
    return digest.hexdigest()


def _file_sha256(name: str | None) -> str | None:
    try:
        return hashlib.sha256(path_of(name).read_bytes()).hexdigest() if name else None
    except OSError:
        return None


def proof_intact(order: Order) -> bool:
    """Whether the stored proof still hashes to its digest, photos of rejected lines included."""
    proof = order.proof
    if proof is None or proof_digest(proof) != proof.digest:
        return False
    photos = {line.id: line.reject_photo for line in order.lines}
    return all(_file_sha256(photos.get(entry.get("id"))) == entry["photo_sha256"]
               for entry in proof.rejected_lines or []
               if isinstance(entry, dict) and entry.get("photo_sha256"))
