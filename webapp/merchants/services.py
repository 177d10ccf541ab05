"""Real-name applications and the shop owner's couriers."""
from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from webapp import audit
from webapp.auth.services import find_by_login, hash_password
from webapp.config import kyc_key
from webapp.extensions import db
from webapp.models import (
    DOCUMENTS,
    REVIEWABLE,
    ApplicationStatus,
    MerchantApplication,
    Role,
    Shop,
    User,
    utcnow,
)
from webapp.uploads import discard, store
from webapp.web import Conflict, ServiceError


def _fernet() -> Fernet:
    return Fernet(kyc_key(current_app.config))


def mask_id_number(id_number: str) -> str:
    """1101**********002X: the region and the last four, as Chinese apps show it."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def reveal_id_number(application: MerchantApplication) -> str:
    return _fernet().decrypt(application.id_number_encrypted).decode()


def latest_application(user: User) -> MerchantApplication | None:
    return db.session.scalar(
        select(MerchantApplication).where(MerchantApplication.user_id == user.id)
        .order_by(MerchantApplication.version.desc()).limit(1))


def previous_version(application: MerchantApplication) -> MerchantApplication | None:
    return db.session.scalar(
        select(MerchantApplication).where(
            MerchantApplication.user_id == application.user_id,
            MerchantApplication.version < application.version,
            MerchantApplication.status != ApplicationStatus.DRAFT)
        .order_by(MerchantApplication.version.desc()).limit(1))


def application_values(application: MerchantApplication) -> dict:
    """The reviewable values of a version, comparable between versions."""
    values = {f: getattr(application, f) for f in REVIEWABLE if f != "id_number"}
    values["id_number"] = (reveal_id_number(application)
                           if application.id_number_encrypted else "")
    return values


# Long sides the photos are stored at: ID and licence photos keep enough for a reviewer to read
# a licence's small print; a logo is shown at most 64 px wide, a banner across a tablet.
PHOTO_MAX_SIDES = {"id_front": 2400, "id_back": 2400, "licence_photo": 2400, "logo": 512,
                   "banner": 1600}
TEXT_FIELDS = ("legal_name", "uscc", "mobile", "shop_name", "handle_wish", "province_code",
               "city_code", "district_code", "street", "shop_address")
REQUIRED = ("legal_name", "uscc", "mobile", "shop_name", "province_code", "city_code",
            "district_code", "street", "id_front", "id_back", "licence_photo")


def missing_for_submission(application: MerchantApplication) -> list[str]:
    missing = [f for f in REQUIRED if not getattr(application, f)]
    if not application.id_number_encrypted:
        missing.insert(1, "id_number")
    return missing


def save_application(user: User, *, fields: dict, id_number: str | None,
                     documents: dict, submit: bool) -> MerchantApplication:
    """Save the merchant's draft (a new version after a review) and, if asked, submit it.

    `documents` maps id_front / id_back / licence_photo to cleaned images; a version keeps the
    previous version's documents and ID number unless new ones are given.
    """
    application = _draft_of(user)
    for name, value in fields.items():
        if name in TEXT_FIELDS and value is not None:
            setattr(application, name, value.strip() if isinstance(value, str) else value)
    if id_number:
        application.id_number_encrypted = _fernet().encrypt(id_number.encode())
        application.id_number_masked = mask_id_number(id_number)
    stored, replaced = _store_documents(application, documents)
    try:
        if submit:
            _submit(user, application)
        try:
            db.session.commit()
        except IntegrityError:
            # Another tab made this version a moment ago; that one stands.
            db.session.rollback()
            raise ServiceError(_("资料刚刚在另一个页面保存过，请刷新后再试。"), 409) from None
    except BaseException:
        # Nothing half-done: photos whose record was not committed go too.
        _discard(stored)
        raise
    # A photo replaced in a draft goes, unless an earlier version still shows it.
    _discard(name for name in replaced if name and not _document_in_use(name))
    return application


def keep_documents(user: User, documents: dict) -> MerchantApplication | None:
    """Put photos that passed their checks on the user's draft although the rest of the form did
    not, so that a phone user who mistyped a field does not choose them again; the next save or
    submit of the draft keeps them. None if there were none (or another tab got there first)."""
    if not documents:
        return None
    application = _draft_of(user)
    stored, replaced = _store_documents(application, documents)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _discard(stored)
        return None
    _discard(name for name in replaced if name and not _document_in_use(name))
    return application


def _draft_of(user: User) -> MerchantApplication:
    """The user's draft: the latest version if it is one, else a new version copied from the
    latest (refused while a version waits for review)."""
    latest = latest_application(user)
    if latest is not None and latest.status is ApplicationStatus.SUBMITTED:
        raise ServiceError(_("资料已提交，正在审核中，请等待结果。"), 409)
    if latest is not None and latest.status is ApplicationStatus.DRAFT:
        return latest
    application = MerchantApplication(user_id=user.id, version=latest.version + 1 if latest else 1,
                                      status=ApplicationStatus.DRAFT, review_notes={})
    if latest is not None:
        for name in (*TEXT_FIELDS, *DOCUMENTS, "id_number_encrypted", "id_number_masked"):
            setattr(application, name, getattr(latest, name))
    db.session.add(application)
    return application


def _store_documents(application: MerchantApplication,
                     documents: dict) -> tuple[list[str], list[str | None]]:
    """Store the new document photos and put them on the application: (the names stored, the
    names they replace). A failure part-way removes the ones already stored."""
    stored, replaced = [], []
    try:
        for kind, image in documents.items():
            if kind in DOCUMENTS and image is not None:
                replaced.append(getattr(application, kind))
                stored.append(store(image, "kyc"))
                setattr(application, kind, stored[-1])
    except BaseException:
        _discard(stored)
        raise
    return stored, replaced


def _submit(user: User, application: MerchantApplication) -> None:
    """Send the draft for review if nothing required is missing (else roll back and refuse)."""
    missing = missing_for_submission(application)
    if missing:
        db.session.rollback()
        raise ServiceError(_("请先补全：") + _("、").join(missing), 422)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = utcnow()
    db.session.flush()
    audit.record(user, "application.submitted", application, version=application.version)


def _discard(names) -> None:
    for name in names:
        discard(name)


def _document_in_use(name: str) -> bool:
    return db.session.scalar(select(MerchantApplication.id).where(or_(
        *(getattr(MerchantApplication, kind) == name for kind in DOCUMENTS))).limit(1)) is not None


def purge_drafts(days: int) -> int:
    """Delete the application drafts (versions never submitted) untouched for `days` days, and
    the photos on them no other version shares; the number deleted. A refused form keeps its
    good photos on a draft without the user asking (keep_documents), so they must not stay."""
    cutoff = utcnow() - timedelta(days=days)
    drafts = db.session.scalars(select(MerchantApplication).where(
        MerchantApplication.status == ApplicationStatus.DRAFT,
        MerchantApplication.updated_at < cutoff)).all()
    names = {getattr(draft, kind) for draft in drafts for kind in DOCUMENTS} - {None}
    for draft in drafts:
        db.session.delete(draft)
    db.session.commit()
    _discard(name for name in names if not _document_in_use(name))
    return len(drafts)


def submit_application(user: User, *, legal_name: str, id_number: str, uscc: str, mobile: str,
                       shop_name: str, shop_address: str, **more) -> MerchantApplication:
    """Submit a complete application in one go (demo data, tests)."""
    documents = more.pop("documents", {})
    fields = {"legal_name": legal_name, "uscc": uscc, "mobile": mobile, "shop_name": shop_name,
              "shop_address": shop_address, **more}
    return save_application(user, fields=fields, id_number=id_number, documents=documents,
                            submit=True)


def couriers_of(shop: Shop) -> list[User]:
    """The shop's couriers, less those who deleted their accounts (webapp/me/deletion.py)."""
    return list(db.session.scalars(
        select(User).where(User.shop_id == shop.id, User.role == Role.COURIER,
                           User.deleted_at.is_(None))
        .order_by(User.id)))


def create_courier(shop: Shop, *, display_name: str, mobile: str, password: str) -> User:
    """Create a courier account that belongs to `shop`."""
    if find_by_login(mobile) is not None:
        raise ServiceError(_("该手机号已被使用"), 409)
    courier = User(mobile=mobile, display_name=display_name.strip(), role=Role.COURIER,
                   shop_id=shop.id, password_hash=hash_password(password))
    db.session.add(courier)
    db.session.commit()
    return courier


def rename_needs_review(shop: Shop, name: str) -> bool:
    """A new name for a verified shop (one opened by an approved application) waits for review."""
    return shop.application_id is not None and name.strip() != shop.name


def request_rename(shop: Shop, name: str) -> MerchantApplication:
    """Send a verified shop's new name for review (issue 21) as the next version of its owner's
    application, changed in its shop name alone: the admin reviews it as any version (the review
    marks 店铺名称 as changed) and approving it renames the shop (admin.services.approve); until
    then the shop keeps its name. In the caller's transaction; refused while another version is
    a draft or waits for a decision."""
    owner = shop.owner
    latest = latest_application(owner)
    if latest is None or latest.status is not ApplicationStatus.APPROVED:
        raise Conflict(_("认证店铺改名需要平台审核。资料正在审核或有未提交的修改，请先处理后再改名。"))
    application = _draft_of(owner)
    application.shop_name = name.strip()
    db.session.flush()
    _submit(owner, application)
    audit.record(owner, "shop.rename_requested", shop, name=application.shop_name,
                 version=application.version)
    return application


def update_shop(shop: Shop, *, name: str, description: str, images: dict) -> Shop:
    """Save the owner's shop settings; new logo/banner images replace the old files. A verified
    shop's new name waits for review (request_rename), the old one stays till then."""
    if rename_needs_review(shop, name):
        request_rename(shop, name)
    else:
        shop.name = name.strip()
    shop.description = description.strip()
    replaced = []
    for kind, image in images.items():
        replaced.append(getattr(shop, kind))
        setattr(shop, kind, store(image, "shops"))
    db.session.commit()
    for name in filter(None, replaced):
        discard(name)
    return shop


def update_delivery(shop: Shop, *, slots: list[str], days: int, lead_minutes: int,
                    fee_fen: int) -> Shop:
    """Save the windows the shop delivers in, how many days ahead, the lead time and the fee.

    Orders already placed keep the window they were placed with.
    """
    shop.delivery_slots = ",".join(sorted(set(slots), key=lambda s: int(s.split("-")[0])))
    shop.delivery_days, shop.delivery_lead_minutes = days, lead_minutes
    shop.delivery_fee_fen = fee_fen
    db.session.commit()
    return shop
