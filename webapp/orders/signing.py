"""Inspection and signature at the door: the buyer accepts or rejects each line, signs, and the
proof of delivery is stored; the order ends completed, partially refused or refused."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import (
    EventKind,
    Inspection,
    Order,
    OrderLine,
    ProofOfDelivery,
    Refund,
    Role,
    Status,
    User,
    utcnow,
)
from webapp.orders.handover import match_code
from webapp.orders.proof import decode_signature, proof_digest, signer_hashes
from webapp.orders.queries import order_for
from webapp.orders.return_state import ReturnCause
from webapp.orders.returns import open_return
from webapp.orders.state import Action
from webapp.orders.transitions import apply, check, finish, stop_tracking
from webapp.payments.refunds import owed_on, paid_prepayment, send_due
from webapp.uploads import CleanImage, discard, store
from webapp.web import ServiceError

# A rejected line's photo is evidence shown at phone width and opened full screen.
PHOTO_MAX_SIDE = 1600

MAX_SIGNER_NAME = 40


@dataclass(frozen=True)
class LineCheck:
    """The buyer's verdict on one order line at the door: a reason from REJECT_REASONS and a
    few words of their own for a rejected line, and an optional photo."""

    accepted: bool
    reason: str = ""
    photo: CleanImage | None = None
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """Where the signature leads: the action, the status, the amount not due, the event."""

    action: Action
    status: Status
    refund_fen: int
    kind: EventKind


def _line_fact(line: OrderLine) -> dict:
    return {"id": line.id, "title": line.full_title, "quantity": line.quantity,
            "unit_price_fen": line.unit_price_fen, "amount_fen": line.subtotal_fen}


def _signer(signer_name: str | None) -> str:
    name = (signer_name or "").strip()
    if not name or len(name) > MAX_SIGNER_NAME:
        raise ServiceError(_("请输入签收人姓名（不超过 %(max)s 个字）。", max=MAX_SIGNER_NAME), 422)
    return name


def _verdicts(order: Order, checks: dict[int, LineCheck] | None) -> dict[int, LineCheck]:
    checks = checks if checks is not None else {line.id: LineCheck(True) for line in order.lines}
    if set(checks) != {line.id for line in order.lines}:
        raise ServiceError(_("请逐项验货：每件商品选择验收或拒收。"), 422)
    if any(not check.accepted and not check.reason.strip() for check in checks.values()):
        raise ServiceError(_("请为拒收的商品选择原因。"), 422)
    return checks


def _outcome(order: Order, rejected: list[OrderLine]) -> Outcome:
    """All accepted -> completed; some rejected -> partially refused, their amount not due; all
    rejected -> refused, nothing due, delivery fee included: nothing was delivered."""
    if len(rejected) == len(order.lines):
        return Outcome(Action.REFUSE, Status.REFUSED, order.total_fen, EventKind.REFUSED_AT_DOOR)
    if rejected:
        return Outcome(Action.SIGN, Status.PARTIALLY_REFUSED,
                       sum(line.subtotal_fen for line in rejected), EventKind.SIGNED_WITH_REFUSALS)
    return Outcome(Action.SIGN, Status.COMPLETED, 0, EventKind.SIGNED)


def _inspect(order: Order, checks: dict[int, LineCheck], stored: list[str]) -> list[dict]:
    """Record each line's verdict (storing rejection photos); the facts of the rejected lines."""
    rejected_facts = []
    for line in order.lines:
        check = checks[line.id]
        line.inspection = Inspection.ACCEPTED if check.accepted else Inspection.REJECTED
        if check.accepted:
            continue
        line.reject_reason = check.reason.strip()[:200]
        line.reject_note = check.note.strip()[:100]
        if check.photo is not None:
            line.reject_photo = store(check.photo, "inspections")
            stored.append(line.reject_photo)
        rejected_facts.append({**_line_fact(line), "reason": line.reject_reason,
                               "note": line.reject_note,
                               "photo_sha256": check.photo.sha256 if check.photo else None})
    return rejected_facts


def payment_facts(order: Order, due_fen: int, refund: Refund | None) -> dict:
    """The payment as it stands at the signature, for the proof's digest (scheme 3).

    Paid online: the channel, the gateway's transaction id, the amount paid, and the refund owed
    on the rejected lines, all known when the buyer signs. Paid at the door: the method and the
    amount due; the payment itself comes after the signature (the courier's QR code for that
    amount, or cash) and is its own record (a gateway-verified payment or the courier's
    confirmation, each an order event), so the proof states what was owed rather than being
    sealed again later. Cash confirmed before the buyer signed is known, and so recorded, with
    what goes back of it."""
    payment = paid_prepayment(order) if order.prepaid else None
    paid_fen = order.paid_fen if order.payment_status == "paid" else None
    if refund is not None:
        refund_fen = refund.amount_fen
    elif paid_fen is not None and payment is None:
        refund_fen = max(0, paid_fen - due_fen)  # collected before inspecting: handed back
    else:
        refund_fen = 0
    return {"method": str(order.payment_method), "due_fen": due_fen, "paid_fen": paid_fen,
            "channel": str(payment.channel) if payment else None,
            "transaction_id": payment.transaction_id if payment else "",
            "refund_fen": refund_fen}


def _proof(order: Order, actor: User, png: bytes, name: str, accepted: list[OrderLine],
           rejected_facts: list[dict], refund_fen: int, payment: dict) -> ProofOfDelivery:
    """The proof, sealed with scheme 5: signed on the courier's phone only with the receipt code
    matched (sign() refused it otherwise); on the buyer's own, no code is asked. The name and the
    signature are sealed by their hashes, so deleting the account can erase them."""
    delivery = order.delivery
    on_courier = actor.role is Role.COURIER
    proof = ProofOfDelivery(
        order_id=order.id, signature_png=png, signer_name=name, signer_id=actor.id,
        signed_at=utcnow().replace(microsecond=0),
        lat=delivery.last_lat if delivery else None,
        lng=delivery.last_lng if delivery else None,
        accuracy=delivery.last_accuracy if delivery else None,
        position_at=delivery.last_at.replace(microsecond=0)
        if delivery and delivery.last_at else None,
        accepted_lines=[_line_fact(line) for line in accepted],
        rejected_lines=rejected_facts, refund_fen=refund_fen, payment=payment,
        signed_on="courier" if on_courier else "buyer", code_matched=True if on_courier else None,
        **signer_hashes(name, png), scheme=5, digest="")
    proof.digest = proof_digest(proof)
    return proof


def sign(order_id: int, actor: User, signer_name: str, signature_data_url: str,
         checks: dict[int, LineCheck] | None = None, code: str | None = None) -> Order:
    """Inspect and sign at the door: store the proof of delivery and stop tracking.

    `checks` holds a verdict for every line (None: all accepted). Nothing is stored unless
    everything is valid. The order's courier signs for whoever receives it only with the
    order's receipt `code` (a wrong one is counted: webapp/orders/handover.py).
    """
    order = order_for(actor, order_id)
    check(order, Action.SIGN, actor, Status.COMPLETED)  # before arrival: 409, not a form error
    if actor.role is Role.COURIER:
        if code is None:  # the courier signs only for someone who gave the code
            raise ServiceError(_("你不能对该订单执行此操作。"), 403)
        match_code(order, code, actor)
    name = _signer(signer_name)
    checks = _verdicts(order, checks)
    png = decode_signature(signature_data_url)
    accepted = [line for line in order.lines if checks[line.id].accepted]
    rejected = [line for line in order.lines if not checks[line.id].accepted]
    outcome = _outcome(order, rejected)
    params = {"name": name} if not rejected else {
        "name": name, "n": len(rejected), "amount_fen": outcome.refund_fen}
    stored: list[str] = []
    try:
        apply(order, outcome.action, actor, outcome.kind, outcome=outcome.status, **params)
        rejected_facts = _inspect(order, checks, stored)
        if rejected:  # the courier takes them back to the shop, which restocks them on receipt
            open_return(order, rejected, ReturnCause.REFUSED_AT_DOOR)
        refund = None
        if rejected and order.prepaid:  # paid online: the rejected lines' money goes back
            refund = owed_on(order, "rejected_lines", keep_fen=order.total_fen - outcome.refund_fen,
                             lines=[(line.id, line.quantity) for line in rejected])
        payment = payment_facts(order, order.total_fen - outcome.refund_fen, refund)
        db.session.add(_proof(order, actor, png, name, accepted, rejected_facts,
                              outcome.refund_fen, payment))
        # The proof keeps the position at signature; the live one stops being kept.
        stop_tracking(order.delivery)
        finish(order)
    except BaseException:
        db.session.rollback()
        for photo in stored:
            discard(photo)
        raise
    send_due(order_id=order.id)
    return order
