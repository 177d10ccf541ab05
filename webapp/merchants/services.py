"""Real-name applications and the shop owner's couriers."""
from __future__ import annotations

from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import func, select

from webapp.auth.services import find_by_login, hash_password
from webapp.config import kyc_key
from webapp.extensions import db
from webapp.models import ApplicationStatus, MerchantApplication, Role, Shop, User
from webapp.web import ServiceError


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


def submit_application(user: User, *, legal_name: str, id_number: str, uscc: str, mobile: str,
                       shop_name: str, shop_address: str) -> MerchantApplication:
    """Store a new version of the merchant's real-name application for review."""
    latest = latest_application(user)
    if latest is not None and latest.status is ApplicationStatus.SUBMITTED:
        raise ServiceError("你的申请正在审核中，请等待结果。", 409)
    if latest is not None and latest.status is ApplicationStatus.APPROVED:
        raise ServiceError("你的实名认证已通过，无需再次提交。", 409)
    version = (db.session.scalar(select(func.max(MerchantApplication.version))
                                 .where(MerchantApplication.user_id == user.id)) or 0) + 1
    application = MerchantApplication(
        user_id=user.id, version=version, legal_name=legal_name.strip(),
        id_number_encrypted=_fernet().encrypt(id_number.encode()),
        id_number_masked=mask_id_number(id_number), uscc=uscc, mobile=mobile,
        shop_name=shop_name.strip(), shop_address=shop_address.strip(),
        status=ApplicationStatus.SUBMITTED, review_notes={})
    db.session.add(application)
    db.session.commit()
    return application


def couriers_of(shop: Shop) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.shop_id == shop.id, User.role == Role.COURIER)
        .order_by(User.id)))


def create_courier(shop: Shop, *, display_name: str, mobile: str, password: str) -> User:
    """Create a courier account that belongs to `shop`."""
    if find_by_login(mobile) is not None:
        raise ServiceError("该手机号已被使用", 409)
    courier = User(mobile=mobile, display_name=display_name.strip(), role=Role.COURIER,
                   shop_id=shop.id, password_hash=hash_password(password))
    db.session.add(courier)
    db.session.commit()
    return courier
