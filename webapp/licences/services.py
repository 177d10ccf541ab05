"""Licences for regulated categories: what a valid licence allows, the merchant's upload and the
admin's review, field by field as the real-name application's (webapp/admin/services.py).

A licence is valid while APPROVED and its `expires_at` is ahead of `now()`. Every query that
shows, sells or quotes in a regulated category compares with the clock (`sellable`,
`licensed_kinds`), so listings hide at the very moment a licence lapses, with no job; the kept
pages are kept no longer than the next expiry (`next_expiry`, webapp/shared_pages.py)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from webapp import audit, paging, shared_pages
from webapp.cas import compare_and_set
from webapp.catalog.categories import CATEGORIES, category_label
from webapp.extensions import db
from webapp.i18n import N_
from webapp.licences.rules import KIND_LABELS, NOTICE_DAYS, REGULATED, LicenceKind, categories_of
from webapp.licences.state import LicenceEvent, LicenceStatus, next_status
from webapp.models import (
    LICENCE_FIELDS,
    AuditLog,
    MerchantApplication,
    Product,
    Shop,
    ShopLicence,
    User,
    utcnow,
)
from webapp.paging import Key
from webapp.uploads import discard, store
from webapp.web import Conflict, ServiceError

# Licences are dated in Beijing time: one "valid until 2027-05-31" ends at that day's midnight.
LICENCE_ZONE = ZoneInfo("Asia/Shanghai")
NUMBER_MAX = 40
PHOTO_MAX_SIDE = 2400  # as the real-name application's licence photo: small print stays legible
FIELD_LABELS = {"kind": N_("许可证类型"), "number": N_("许可证编号"), "expires_on": N_("有效期至"),
                "photo": N_("许可证照片")}
AUDIT_LABELS = {"licence.submitted": N_("提交许可证"), "licence.approved": N_("许可证审核通过"),
                "licence.rejected": N_("许可证被驳回")}
QUEUE_PAGE = 12
QUEUE_KEY = (Key(ShopLicence.submitted_at), Key(ShopLicence.id))


def now() -> datetime:
    """The licences' clock (naive UTC); tests move it."""
    return utcnow()


def expiry_moment(expires_on: date) -> datetime:
    """The moment a licence valid until `expires_on` lapses: the next midnight in Beijing, in
    naive UTC as every stored time."""
    end = datetime.combine(expires_on + timedelta(days=1), time(), tzinfo=LICENCE_ZONE)
    return end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _valid(shop_id, kind: LicenceKind, at: datetime) -> ColumnElement[bool]:
    """An approved, unexpired licence of `kind` for the shop `shop_id` (a column or a value)."""
    return exists().where(ShopLicence.shop_id == shop_id, ShopLicence.kind == kind,
                          ShopLicence.status == LicenceStatus.APPROVED,
                          ShopLicence.expires_at > at)


def sellable(at: datetime | None = None) -> ColumnElement[bool]:
    """The condition a product shown or sold to buyers must meet besides being published: its
    category needs no licence, or its shop holds a valid one of the kind it needs."""
    at = at or now()
    return or_(Product.category.not_in(list(REGULATED)), *(
        and_(Product.category.in_(categories_of(kind)), _valid(Product.shop_id, kind, at))
        for kind in LicenceKind))


def licensed_for(shop_column, category_column, at: datetime | None = None) -> ColumnElement[bool]:
    """The same as `sellable` for any shop and category columns (a demand and a shop)."""
    at = at or now()
    return or_(category_column.not_in(list(REGULATED)), *(
        and_(category_column.in_(categories_of(kind)), _valid(shop_column, kind, at))
        for kind in LicenceKind))


def licensed_kinds(shop_id: int, at: datetime | None = None) -> set[LicenceKind]:
    """The kinds of licence the shop holds valid now."""
    return set(db.session.scalars(select(ShopLicence.kind).where(
        ShopLicence.shop_id == shop_id, ShopLicence.status == LicenceStatus.APPROVED,
        ShopLicence.expires_at > (at or now())).distinct()))


def allowed_categories(shop_id: int) -> list[str]:
    """The categories the shop may sell and quote in now, in the catalog's order."""
    kinds = licensed_kinds(shop_id)
    return [key for key in CATEGORIES if key not in REGULATED or REGULATED[key] in kinds]


def refusal(shop_id: int, category: str) -> str | None:
    """Why the shop may not sell or quote in `category` now (naming the licence), or None."""
    kind = REGULATED.get(category)
    if kind is None or kind in licensed_kinds(shop_id):
        return None
    return _("「%(category)s」类目需要有效的%(licence)s：请先在“经营许可证”页上传，"
             "平台审核通过后才能在此类目上架和报价。",
             category=category_label(category), licence=_(KIND_LABELS[kind]))


def require(shop_id: int, category: str) -> None:
    """Refuse (403) what needs a licence the shop does not hold valid now."""
    message = refusal(shop_id, category)
    if message:
        raise ServiceError(message, 403)


def licences_of(shop_id: int) -> list[ShopLicence]:
    """The shop's licences, newest first, whatever their status."""
    return list(db.session.scalars(select(ShopLicence).where(ShopLicence.shop_id == shop_id)
                                   .order_by(ShopLicence.id.desc())))


def current(shop_id: int) -> dict[LicenceKind, ShopLicence]:
    """Per kind, the licence that counts: the valid one lasting longest, else the latest."""
    at, best = now(), {}
    for licence in reversed(licences_of(shop_id)):
        held = best.get(licence.kind)
        if _is_valid(licence, at):
            if held is None or not _is_valid(held, at) or licence.expires_at > held.expires_at:
                best[licence.kind] = licence
        elif held is None or not _is_valid(held, at):
            best[licence.kind] = licence
    return best


def _is_valid(licence: ShopLicence, at: datetime) -> bool:
    return licence.status is LicenceStatus.APPROVED and licence.expires_at > at


def is_valid(licence: ShopLicence) -> bool:
    return _is_valid(licence, now())


def days_left(licence: ShopLicence) -> int:
    """Whole days until the licence lapses (0 on its last day)."""
    return max(0, (licence.expires_at - now()) // timedelta(days=1))


def expiring(shop_id: int) -> list[ShopLicence]:
    """The shop's valid licences that lapse within the first notice's days and that no later
    licence of their kind (valid or waiting for review) takes over."""
    at, soon = now(), timedelta(days=max(NOTICE_DAYS))
    licences = licences_of(shop_id)
    found = []
    for licence in licences:
        if not _is_valid(licence, at) or licence.expires_at - at > soon:
            continue
        if any(other.kind is licence.kind and other.expires_at > licence.expires_at
               and other.status is not LicenceStatus.REJECTED for other in licences):
            continue
        found.append(licence)
    return found


def submit(shop: Shop, merchant: User, *, kind: str, number: str, expires_on: date,
           photo) -> ShopLicence:
    """Upload a licence for review (a renewal too: the approved one counts until it lapses)."""
    number = "".join((number or "").split()).upper()
    if kind not in LicenceKind.__members__.values():
        raise ServiceError(_("请选择许可证类型"), 422)
    if not number or len(number) > NUMBER_MAX:
        raise ServiceError(_("请填写许可证编号"), 422)
    if expiry_moment(expires_on) <= now():
        raise ServiceError(_("该许可证已过期，请上传有效期内的许可证。"), 422)
    if db.session.scalar(select(ShopLicence.id).where(
            ShopLicence.shop_id == shop.id, ShopLicence.kind == kind,
            ShopLicence.status == LicenceStatus.SUBMITTED).limit(1)) is not None:
        raise Conflict(_("这类许可证已有一份在审核中，请等待结果后再上传。"))
    name = store(photo, "kyc")
    try:
        licence = ShopLicence(shop_id=shop.id, kind=LicenceKind(kind), number=number,
                              expires_on=expires_on, expires_at=expiry_moment(expires_on),
                              photo=name, status=LicenceStatus.SUBMITTED, review_notes={},
                              submitted_by_id=merchant.id, submitted_at=utcnow(), notices=[])
        db.session.add(licence)
        db.session.flush()
        audit.record(merchant, "licence.submitted", licence, kind=str(kind), number=number,
                     expires_on=expires_on.isoformat())
        db.session.commit()
    except BaseException:
        db.session.rollback()
        discard(name)
        raise
    return licence


def review_queue(after: tuple | None = None) -> paging.Page:
    """A page of the licences waiting for review, oldest first."""
    query = select(ShopLicence).options(joinedload(ShopLicence.shop)).where(
        ShopLicence.status == LicenceStatus.SUBMITTED)
    return paging.keyset(query, QUEUE_KEY, after, QUEUE_PAGE)


def submitted_count() -> int:
    return db.session.scalar(select(func.count(ShopLicence.id)).where(
        ShopLicence.status == LicenceStatus.SUBMITTED)) or 0


def get(licence_id: int) -> ShopLicence:
    licence = db.session.get(ShopLicence, licence_id) if 0 < licence_id < 2**31 else None
    if licence is None:
        raise ServiceError(_("找不到该许可证"), 404)
    return licence


def verified_holder(licence: ShopLicence) -> MerchantApplication | None:
    """The shop's approved real-name data, for the reviewer to compare the licence with."""
    if licence.shop.application_id is None:
        return None
    return db.session.get(MerchantApplication, licence.shop.application_id)


def decide(licence_id: int, reviewer: User, event: LicenceEvent, notes: dict,
           comment: str = "") -> ShopLicence:
    """Approve, or reject with a reason per field (at least one), as the application's review."""
    licence = get(licence_id)
    notes = {f: r.strip()[:300] for f, r in (notes or {}).items()
             if f in LICENCE_FIELDS and isinstance(r, str) and r.strip()}
    comment = (comment or "").strip()[:500]
    if event is LicenceEvent.APPROVED and notes:
        raise ServiceError(_("已填写了问题原因：请选择“驳回”，或清空原因后再通过。"), 422)
    if event is LicenceEvent.REJECTED and not notes and not comment:
        raise ServiceError(_("请至少为一项资料填写原因。"), 422)
    status = next_status(licence.status, event)
    if status is None:
        raise Conflict(_("该许可证已被处理，请刷新列表。"))
    if event is LicenceEvent.APPROVED and licence.expires_at <= now():
        raise ServiceError(_("该许可证已过期，不能通过。"), 409)
    compare_and_set(ShopLicence, ShopLicence.id == licence_id,
                    ShopLicence.status == licence.status,
                    conflict=lambda: Conflict(_("该许可证已被处理，请刷新列表。")),
                    status=status, reviewer_id=reviewer.id, reviewed_at=utcnow(),
                    review_notes=notes, review_comment=comment)
    licence = db.session.get(ShopLicence, licence_id, populate_existing=True)
    audit.record(reviewer, f"licence.{status}", licence, notes=notes, comment=comment,
                 kind=str(licence.kind), number=licence.number)
    db.session.commit()
    return licence


def audit_trail(licence: ShopLicence) -> list[AuditLog]:
    """Every audited action on this shop's licences."""
    ids = select(ShopLicence.id).where(ShopLicence.shop_id == licence.shop_id)
    return list(db.session.scalars(
        select(AuditLog).options(joinedload(AuditLog.actor))
        .where(AuditLog.subject_type == "shop_licence", AuditLog.subject_id.in_(ids))
        .order_by(AuditLog.id)))


def next_expiry(after: datetime | None = None) -> datetime | None:
    """The next moment an approved licence lapses (a kept page must not outlive it)."""
    return db.session.scalar(select(func.min(ShopLicence.expires_at)).where(
        ShopLicence.status == LicenceStatus.APPROVED, ShopLicence.expires_at > (after or now())))


def _next_expiry_epoch() -> float | None:
    """next_expiry as epoch seconds, for the kept pages (webapp/shared_pages.HORIZONS)."""
    moment = next_expiry()
    return moment.replace(tzinfo=UTC).timestamp() if moment is not None else None


shared_pages.HORIZONS.append(_next_expiry_epoch)


def product_sellable(product: Product) -> bool:
    """`sellable` for one loaded product (a query only in a regulated category)."""
    kind = REGULATED.get(product.category)
    return kind is None or kind in licensed_kinds(product.shop_id)
