"""Platform review of real-name applications, and shop suspension. Every decision is audited."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from webapp import audit, paging
from webapp.cas import compare_and_set
from webapp.extensions import db
from webapp.i18n import N_
from webapp.merchants.services import application_values, previous_version, reveal_id_number
from webapp.models import (
    REVIEWABLE,
    ApplicationStatus,
    AuditLog,
    MerchantApplication,
    Shop,
    ShopStatus,
    User,
    utcnow,
)
from webapp.paging import Key
from webapp.realtime import close_after_commit, emit_after_commit, shop_room, user_room
from webapp.shops.services import handle_is_free, new_handle, shop_of
from webapp.web import Conflict, ServiceError

FIELD_LABELS = {
    "legal_name": N_("法定姓名"), "id_number": N_("身份证号"), "uscc": N_("统一社会信用代码"),
    "mobile": N_("联系手机"), "shop_name": N_("店铺名称"), "handle_wish": N_("店铺网址"),
    "shop_address": N_("店铺地址"), "id_front": N_("身份证人像面"), "id_back": N_("身份证国徽面"),
    "licence_photo": N_("营业执照照片"),
}
AUDIT_LABELS = {
    "application.submitted": N_("提交资料"), "application.approved": N_("审核通过"),
    "application.rejected": N_("驳回"), "application.needs_info": N_("要求补充资料"),
    "application.id_revealed": N_("查看完整身份证号"), "shop.opened": N_("开通店铺"),
    "shop.suspended": N_("店铺停业"), "shop.reinstated": N_("恢复营业"),
}
QUEUES = {
    "submitted": N_("待审核"), "needs_info": N_("待补充"), "approved": N_("已通过"), "rejected": N_("已驳回"),
    "suspended": N_("已停业"),
}


# The queues are read a page at a time, oldest first (webapp/paging.py, ix_application_queue_page).
QUEUE_PAGE = 12
QUEUE_KEY = (Key(MerchantApplication.submitted_at), Key(MerchantApplication.id))


def _is_current():
    """Each merchant's latest version that is not a draft (older ones are history): no later
    version of the same merchant was submitted (a row-by-row check on the unique (user_id,
    version) index, so a page reads a page's worth of rows, not every merchant's)."""
    later = aliased(MerchantApplication)
    superseded = select(later.id).where(
        later.user_id == MerchantApplication.user_id, later.version > MerchantApplication.version,
        later.status != ApplicationStatus.DRAFT).exists()
    return (MerchantApplication.status != ApplicationStatus.DRAFT) & ~superseded


def review_queue(status: str = "submitted", after: tuple | None = None) -> paging.Page:
    """Read a page of a queue, oldest first, after the cursor `after`. For "suspended", the
    current applications of suspended shops."""
    query = select(MerchantApplication).options(joinedload(MerchantApplication.user)).where(
        _is_current())
    if status == "suspended":
        query = query.join(Shop, Shop.owner_id == MerchantApplication.user_id).where(
            Shop.status == ShopStatus.SUSPENDED)
    else:
        query = query.where(MerchantApplication.status == ApplicationStatus(status))
    return paging.keyset(query, QUEUE_KEY, after, QUEUE_PAGE)


def queue_counts() -> dict[str, int]:
    """Count every queue, all pages: one grouped COUNT of the current versions by status, and
    the suspended shops."""
    rows = db.session.execute(select(MerchantApplication.status, func.count())
                              .where(_is_current()).group_by(MerchantApplication.status)).all()
    counts = {str(status): n for status, n in rows}
    counts["suspended"] = db.session.scalar(
        select(func.count(Shop.id)).where(Shop.status == ShopStatus.SUSPENDED)) or 0
    return counts


def get_application(application_id: int) -> MerchantApplication:
    application = db.session.get(MerchantApplication, application_id)
    if application is None or application.status is ApplicationStatus.DRAFT:
        raise ServiceError(_("找不到该申请"), 404)
    return application


def changes_since_previous(application: MerchantApplication) -> list[str]:
    """The reviewable fields that differ from the merchant's previous version."""
    before = previous_version(application)
    if before is None:
        return []
    old, new = application_values(before), application_values(application)
    return [f for f in REVIEWABLE if old.get(f) != new.get(f)]


def _already_decided(application_id: int) -> Conflict:
    """Say the application was decided meanwhile (a 404 instead if it is gone)."""
    get_application(application_id)
    return Conflict(_("该申请已被处理，请刷新列表。"))


def _decide(application_id: int, reviewer: User, status: ApplicationStatus, notes: dict,
            comment: str) -> MerchantApplication:
    compare_and_set(MerchantApplication, MerchantApplication.id == application_id,
                    MerchantApplication.status == ApplicationStatus.SUBMITTED,
                    conflict=lambda: _already_decided(application_id),
                    status=status, reviewer_id=reviewer.id, reviewed_at=utcnow(),
                    review_notes=notes, review_comment=comment)
    application = get_application(application_id)
    db.session.refresh(application)
    audit.record(reviewer, f"application.{status}", application, notes=notes, comment=comment,
                 version=application.version)
    emit_after_commit(db.session, "merchant:reviewed",
                      {"id": application.id, "status": str(status)}, user_room(application.user_id))
    return application


def approve(application_id: int, reviewer: User) -> Shop:
    """Approve an application: the merchant's shop opens (or, after a change, stays open)."""
    application = _decide(application_id, reviewer, ApplicationStatus.APPROVED, {}, "")
    shop = shop_of(application.user)
    if shop is None:
        handle = _handle_for(application)
        shop = Shop(owner_id=application.user_id, application_id=application.id, handle=handle,
                    name=application.shop_name, address=application.shop_address,
                    district_code=application.district_code, verified_at=utcnow())
        db.session.add(shop)
        db.session.flush()
        audit.record(reviewer, "shop.opened", shop, handle=handle)
    else:
        # Approved changes to legal data reach the shop; its address (the handle) stays, since
        # it is printed on posters and shared.
        shop.application_id = application.id
        shop.verified_at = utcnow()
        shop.name, shop.address = application.shop_name, application.shop_address
        shop.district_code = application.district_code
    db.session.commit()
    return shop


def _handle_for(application: MerchantApplication) -> str:
    """The wished handle, or the nearest free variant of it (wish-2 ...), or a generated one."""
    wish = application.handle_wish
    for candidate in ([wish] + [f"{wish}-{n}" for n in range(2, 10)]) if wish else []:
        if len(candidate) <= 40 and handle_is_free(candidate):
            return candidate
    return new_handle(application.shop_name)


def _with_reasons(application_id: int, reviewer: User, status: ApplicationStatus, notes: dict,
                  comment: str) -> MerchantApplication:
    notes = {f: r.strip()[:300] for f, r in notes.items() if f in REVIEWABLE and r and r.strip()}
    if not notes and not comment.strip():
        raise ServiceError(_("请至少为一项资料填写原因。"), 422)
    application = _decide(application_id, reviewer, status, notes, comment.strip()[:500])
    db.session.commit()
    return application


def reject(application_id: int, reviewer: User, notes: dict, comment: str = ""):
    """Reject with a reason per field; the merchant can fix and resubmit."""
    return _with_reasons(application_id, reviewer, ApplicationStatus.REJECTED, notes, comment)


def request_info(application_id: int, reviewer: User, notes: dict, comment: str = ""):
    """Ask the merchant for more information on the named fields."""
    return _with_reasons(application_id, reviewer, ApplicationStatus.NEEDS_INFO, notes, comment)


def reveal(application_id: int, reviewer: User) -> str:
    """Show a reviewer the full ID number; the reveal itself is audited."""
    application = get_application(application_id)
    number = reveal_id_number(application)  # first: a reveal that fails is not recorded as made
    audit.record(reviewer, "application.id_revealed", application, version=application.version)
    db.session.commit()
    return number


def suspend(shop_id: int, admin: User, reason: str) -> Shop:
    """Hide a shop and its products from buyers; open orders go on, but its merchant's sockets
    hear nothing more of the shop (its room is emptied on every process) until reinstated."""
    if not reason.strip():
        raise ServiceError(_("请填写停业原因。"), 422)
    _change_status(shop_id, ShopStatus.ACTIVE, _("该店铺已停业。"), status=ShopStatus.SUSPENDED,
                   suspended_at=utcnow(), suspended_reason=reason.strip()[:200])
    shop = db.session.get(Shop, shop_id, populate_existing=True)
    audit.record(admin, "shop.suspended", shop, reason=shop.suspended_reason)
    emit_after_commit(db.session, "shop:updated", {"id": shop.id, "status": "suspended"},
                      user_room(shop.owner_id))
    close_after_commit(db.session, shop_room(shop.id))
    db.session.commit()
    return shop


def reinstate(shop_id: int, admin: User) -> Shop:
    """Open a suspended shop again (the merchant's pages connect anew to hear it: app.js)."""
    _change_status(shop_id, ShopStatus.SUSPENDED, _("该店铺正在营业。"), status=ShopStatus.ACTIVE,
                   suspended_at=None, suspended_reason="")
    shop = db.session.get(Shop, shop_id, populate_existing=True)
    audit.record(admin, "shop.reinstated", shop)
    emit_after_commit(db.session, "shop:updated", {"id": shop.id, "status": "active"},
                      user_room(shop.owner_id))
    db.session.commit()
    return shop


def _change_status(shop_id: int, expected: ShopStatus, conflict: str, **values) -> None:
    """Move the shop from `expected` with one conditional UPDATE: of two admins (or two tabs),
    one applies it and the other is told it was done."""
    def refused() -> ServiceError:
        return Conflict(conflict) if db.session.get(Shop, shop_id) else _missing_shop_error()

    compare_and_set(Shop, Shop.id == shop_id, Shop.status == expected, conflict=refused,
                    **values)


def _missing_shop_error() -> ServiceError:
    return ServiceError(_("找不到该店铺"), 404)


def audit_trail(application: MerchantApplication) -> list:
    """Every audited action on any version of this merchant's application."""
    ids = select(MerchantApplication.id).where(MerchantApplication.user_id == application.user_id)
    return list(db.session.scalars(
        select(AuditLog).options(joinedload(AuditLog.actor))
        .where(AuditLog.subject_type == "merchant_application", AuditLog.subject_id.in_(ids))
        .order_by(AuditLog.id)))
