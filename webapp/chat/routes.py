"""The chat pages: a user's conversations, one conversation (a plain form without JavaScript,
live with it), sending, its photos, and opening one from an order or a demand."""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.chat import access, bp, opening, quick, services
from webapp.chat.forms import SendMessageForm
from webapp.models import Role, Topic
from webapp.upload_limits import limit_uploads
from webapp.uploads import posted_image, send_private
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

PARTIES = (Role.BUYER, Role.MERCHANT, Role.COURIER)
PHOTO_MAX_SIDE = 1600


@bp.get("/")
@role_required(*PARTIES)
def index():
    """The user's conversations, latest first, each with its unread count, a page at a time
    (`?after=`); a "more" row fetches the next page's rows only."""
    after = paging.cursor_of(services.LIST_KEY)
    listed = services.conversations_of(current_user, after)
    ctx = {"listed": listed, "last": services.last_messages(listed.items),
           "unread": services.unread_counts(current_user, [c.id for c in listed.items])}
    if after is not None and wants_fragment():
        return render("chat/index.html", "chat/_list_rows.html", **ctx)
    return render("chat/index.html", **ctx)


def _seat_or_404(conversation_id: int) -> access.Seat:
    seat = access.seat(current_user, conversation_id)
    if seat is None:
        abort(404)
    return seat


@bp.get("/<int:conversation_id>")
@role_required(*PARTIES)
def detail(conversation_id: int):
    """One conversation: its latest messages (or an earlier page) and the form to write."""
    seat = _seat_or_404(conversation_id)
    return _page(seat, SendMessageForm(formdata=None))


def _page(seat: access.Seat, form: SendMessageForm, status: int = 200, error: str | None = None):
    conversation = seat.conversation
    before = request.args.get("before", type=int)
    messages = services.messages_before(conversation, before if before and before > 0 else None)
    if before is None and messages:
        services.mark_read(current_user, conversation, messages[-1].id)
    others = [uid for party, uid in access.parties(conversation).items() if party != seat.party]
    return render("chat/detail.html", status=status, seat=seat, conversation=conversation,
                  entries=messages, form=form, error=error, earlier=before is not None,
                  replies=quick.replies(seat.party, conversation.topic),
                  more=len(messages) == services.PAGE,
                  their_mark=services.read_mark(others[0], conversation) if others else 0,
                  phone=_phone(seat))


def _phone(seat: access.Seat) -> str | None:
    """The buyer's number for the courier, during the delivery only (the order's recipient,
    whom the courier calls at the door anyway). A shop's public number, where its owner agreed,
    is on its page and its buyers' order pages beside 联系商家 (webapp/merchants/phone.py)."""
    order = seat.conversation.order
    if seat.party == "courier" and order is not None:
        return order.recipient_mobile
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/<int:conversation_id>/messages")
@role_required(*PARTIES)
@limit_uploads
def send(conversation_id: int):
    """Send words, a photo or a quick reply; back to the conversation (JSON for chat.js)."""
    seat = _seat_or_404(conversation_id)
    form = SendMessageForm()
    photo = posted_image(form.photo, PHOTO_MAX_SIDE) if form.validate_on_submit() else None
    error = next((e for f in form for e in f.errors), None)
    if error is None:
        try:
            message = services.send(seat, current_user, body=form.body.data or "",
                                    reply=form.reply.data or None, photo=photo)
        except ServiceError as refused:
            if refused.status in (403, 404):
                raise
            if _wants_json():
                return jsonify(ok=False, message=refused.message), refused.status
            return _page(seat, form, refused.status, refused.message)
        if _wants_json():
            return jsonify(ok=True, id=message.id)
        return redirect_to(url_for("chat.detail", conversation_id=seat.conversation.id,
                                   _anchor="composer"))
    if _wants_json():
        return jsonify(ok=False, message=str(error)), 422
    return _page(seat, form, 422)


@bp.get("/<int:conversation_id>/photos/<int:message_id>")
@role_required(*PARTIES, Role.ADMIN)
def photo(conversation_id: int, message_id: int):
    """A message's photo, for the conversation's participants (and the platform in a case)."""
    if current_user.role is Role.ADMIN:
        conversation = services.conversation_by_id(conversation_id)
        if conversation is None or not access.admin_may_read(conversation):
            abort(404)
    else:
        conversation = _seat_or_404(conversation_id).conversation
    message = services.message_in(conversation, message_id)
    if message is None or not message.photo:
        abort(404)
    return send_private(message.photo)


@bp.post("/orders/<int:order_id>/shop")
@role_required(Role.BUYER, Role.MERCHANT)
def open_order_shop(order_id: int):
    """联系商家 / 联系买家 on an order: its conversation between buyer and shop."""
    conversation = opening.for_order(current_user, order_id, Topic.ORDER_SHOP)
    return redirect_to(url_for("chat.detail", conversation_id=conversation.id))


@bp.post("/orders/<int:order_id>/courier")
@role_required(Role.BUYER, Role.COURIER)
def open_order_courier(order_id: int):
    """联系骑手 / 联系买家 while the delivery is under way."""
    conversation = opening.for_order(current_user, order_id, Topic.ORDER_COURIER)
    return redirect_to(url_for("chat.detail", conversation_id=conversation.id))


@bp.post("/demands/<int:demand_id>/shops/<int:shop_id>")
@role_required(Role.BUYER, Role.MERCHANT)
def open_demand(demand_id: int, shop_id: int):
    """A shop's questions on a demand, seen only by its buyer and that shop."""
    conversation = opening.for_demand(current_user, demand_id, shop_id)
    return redirect_to(url_for("chat.detail", conversation_id=conversation.id))


@bp.app_template_global()
def chat_record(order_id: int):
    """An order's conversations and their messages (the after-sales case page's record)."""
    return services.record(order_id)


@bp.app_template_global()
def chat_sender(conversation, message) -> str:
    """Who wrote a message, as its role (the shop by its name): never a person's name."""
    if message.sender_id == conversation.buyer_id:
        return _("买家")
    if message.sender_id == conversation.shop.owner_id:
        return conversation.shop.name
    return _("骑手")


@bp.app_template_global()
def chat_under_way(order) -> bool:
    """Whether the buyer and the courier may talk about this order now."""
    return access.courier_of(order) is not None
