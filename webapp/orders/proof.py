"""The proof of delivery: the signature checked and re-encoded, and the SHA-256 digest over the
signature and every recorded fact, checked again whenever the proof is shown. From scheme 5 the
digest covers the signer's name and the signature by their hashes, so an account's deletion can
erase them (erase_signer) and the rest still verifies."""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from webapp.models import Order, ProofOfDelivery, utcnow
from webapp.models.user import DELETED_NAME
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


def name_sha256(salt: str, name: str) -> str:
    return hashlib.sha256((salt + name).encode()).hexdigest()


def signer_hashes(name: str, png: bytes) -> dict[str, str]:
    """Scheme 5's stand-ins for the signer's name and the signature, with a fresh salt."""
    salt = secrets.token_hex(16)
    return {"signer_name_salt": salt, "signer_name_sha256": name_sha256(salt, name),
            "signature_sha256": hashlib.sha256(png).hexdigest()}


def proof_digest(proof: ProofOfDelivery) -> str:
    """SHA-256 over the signature and every recorded fact, in a fixed order.

    Scheme 1 (proofs from before migration 0006) covered fewer facts, scheme 2 (before 0015)
    no payment; each proof is checked against the facts of its own scheme, and the scheme itself
    is one of them from 2 on. Scheme 3 adds the payment as it stood at the signature
    (webapp/orders/signing.py `payment_facts`); scheme 4 where it was signed (the buyer's own
    account, or handed over on the courier's phone) and whether the receipt code matched there.
    Scheme 5 (from 0034) covers scheme 4's facts, but the name and the signature image by their
    hashes (signer_hashes) instead of themselves: the image's bytes are no longer appended.
    """
    facts = {
        "order_id": proof.order_id, "signer_id": proof.signer_id,
        "signed_at": proof.signed_at.isoformat(),
        "lat": proof.lat, "lng": proof.lng, "accepted_lines": proof.accepted_lines,
    }
    if proof.scheme < 5:
        facts.update(signer_name=proof.signer_name)
    else:
        facts.update(signer_name_sha256=proof.signer_name_sha256,
                     signature_sha256=proof.signature_sha256)
    if proof.scheme != 1:
        facts.update(scheme=proof.scheme, accuracy=proof.accuracy,
                     position_at=_iso(proof.position_at), rejected_lines=proof.rejected_lines,
                     refund_fen=proof.refund_fen)
    if proof.scheme not in (1, 2):
        facts.update(payment=proof.payment)
    if proof.scheme not in (1, 2, 3):
        facts.update(signed_on=proof.signed_on, code_matched=proof.code_matched)
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode())
    if proof.scheme < 5:
        digest.update(proof.signature_png)
    return digest.hexdigest()


def erase_signer(proof: ProofOfDelivery) -> None:
    """Erase a scheme 5 proof's signer name (the deleted-user marker instead), its salt and the
    signature; the digest still verifies on the hashes it covers."""
    if proof.scheme < 5:
        raise ValueError("only a scheme 5 proof can lose its name and signature")
    proof.signer_name = DELETED_NAME
    proof.signer_name_salt = None
    proof.signature_png = b""
    proof.erased_at = utcnow()


def _signer_intact(proof: ProofOfDelivery) -> bool:
    """Scheme 5: the name and the image shown still hash to the hashes the digest covers; once
    erased, nothing of them is left (a name, salt or image back in an erased proof is a change).
    Older schemes cover both in the digest itself, and are never erased."""
    if proof.scheme < 5:
        return proof.erased_at is None
    if proof.erased_at is not None:
        return (proof.signer_name == DELETED_NAME and not proof.signature_png
                and proof.signer_name_salt is None)
    return (proof.signer_name_salt is not None
            and name_sha256(proof.signer_name_salt, proof.signer_name) == proof.signer_name_sha256
            and hashlib.sha256(proof.signature_png).hexdigest() == proof.signature_sha256)


def _file_sha256(name: str | None) -> str | None:
    try:
        return hashlib.sha256(path_of(name).read_bytes()).hexdigest() if name else None
    except OSError:
        return None


def proof_intact(order: Order) -> bool:
    """Whether the stored proof still hashes to its digest, photos of rejected lines included (and
    from scheme 5 the name and signature to their hashes, unless they were erased)."""
    proof = order.proof
    if proof is None or proof_digest(proof) != proof.digest or not _signer_intact(proof):
        return False
    photos = {line.id: line.reject_photo for line in order.lines}
    return all(_file_sha256(photos.get(entry.get("id"))) == entry["photo_sha256"]
               for entry in proof.rejected_lines or []
               if isinstance(entry, dict) and entry.get("photo_sha256"))
