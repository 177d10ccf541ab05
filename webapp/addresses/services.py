"""The buyer's address book. Every lookup is scoped to its owner."""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import Address, User
from webapp.web import MAX_ID, ServiceError

MAX_ADDRESSES = 20


def addresses_of(user: User) -> list[Address]:
    """The default address first, then the newest."""
    return list(db.session.scalars(select(Address).where(Address.user_id == user.id)
                                   .order_by(Address.is_default.desc(), Address.id.desc())))


def default_of(user: User) -> Address | None:
    return db.session.scalar(select(Address).where(Address.user_id == user.id)
                             .order_by(Address.is_default.desc(), Address.id.desc()).limit(1))


def own_address(user: User, address_id: int | None) -> Address:
    address = db.session.scalar(select(Address).where(
        Address.id == address_id, Address.user_id == user.id)) \
        if address_id and 0 < address_id <= MAX_ID else None
    if address is None:
        abort(404)
    return address


def find_own(user: User, address_id: int | None) -> Address | None:
    if not address_id or not 0 < address_id <= MAX_ID:
        return None
    return db.session.scalar(select(Address).where(Address.id == address_id,
                                                   Address.user_id == user.id))


def _make_default(user: User, address: Address) -> None:
    update_where(Address, Address.user_id == user.id, Address.id != address.id, is_default=False)
    address.is_default = True


def save(user: User, address: Address | None, *, contact_name: str, mobile: str,
         province_code: str, city_code: str, district_code: str, detail: str,
         lat: float | None, lng: float | None, is_default: bool) -> Address:
    """Add an address (the first one becomes the default) or change one."""
    if address is None:
        if len(addresses_of(user)) >= MAX_ADDRESSES:
            raise ServiceError(_("最多保存 %(n)s 个地址，请先删除不用的地址。", n=MAX_ADDRESSES), 409)
        address = Address(user_id=user.id)
        first = default_of(user) is None
        db.session.add(address)
        is_default = is_default or first
    address.contact_name, address.mobile = contact_name.strip(), mobile.strip()
    address.province_code, address.city_code = province_code, city_code
    address.district_code, address.detail = district_code, detail.strip()
    address.lat, address.lng = lat, lng
    db.session.flush()
    if is_default:
        _make_default(user, address)
    db.session.commit()
    return address


def make_default(user: User, address_id: int) -> Address:
    address = own_address(user, address_id)
    _make_default(user, address)
    db.session.commit()
    return address


def delete(user: User, address_id: int) -> None:
    """Remove an address; orders keep their own copy, and another address becomes the default."""
    address = own_address(user, address_id)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default and (other := default_of(user)) is not None:
        other.is_default = True
    db.session.commit()
