"""Platform review of real-name applications."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import ApplicationStatus, MerchantApplication, Shop, User, utcnow
from webapp.realtime import emit_after_commit, user_room
from webapp.shops.services import new_handle, shop_of
from webapp.web import Conflict, ServiceError


def review_queue(status: ApplicationStatus | None = ApplicationStatus.SUBMITTED):
    query = (select(MerchantApplication).options(joinedload(MerchantApplication.user))
             .order_by(MerchantApplication.submitted_at))
    if status is not None:
        query = query.where(MerchantApplication.status == status)
    return list(db.session.scalars(query))


def get_application(application_id: int) -> MerchantApplication:
    application = db.session.get(MerchantApplication, application_id)
    if application is None:
        raise ServiceError("找不到该申请", 404)
    return application


def _decide(application_id: int, reviewer: User, status: ApplicationStatus, comment: str):
    done = db.session.execute(
        update(MerchantApplication)
        .where(MerchantApplication.id == application_id,
               MerchantApplication.status == ApplicationStatus.SUBMITTED)
        .values(status=status, reviewer_id=reviewer.id, reviewed_at=utcnow(),
                review_comment=comment)
    ).rowcount
    if done != 1:
        db.session.rollback()
        get_application(application_id)
        raise Conflict("该申请已被处理，请刷新列表。")
    application = get_application(application_id)
    db.session.refresh(application)
    return application


def approve(application_id: int, reviewer: User) -> Shop:
    """Approve an application and open the merchant's verified shop."""
    application = _decide(application_id, reviewer, ApplicationStatus.APPROVED, "")
    shop = shop_of(application.user)
    if shop is None:
        shop = Shop(owner_id=application.user_id, application_id=application.id,
                    handle=new_handle(application.shop_name), name=application.shop_name,
                    address=application.shop_address, verified_at=utcnow())
        db.session.add(shop)
    emit_after_commit(db.session, "merchant:reviewed",
                      {"status": "approved"}, user_room(application.user_id))
    db.session.commit()
    return shop


def reject(application_id: int, reviewer: User, comment: str) -> MerchantApplication:
    """Reject an application with a reason the merchant will see."""
    if not comment.strip():
        raise ServiceError("请填写驳回原因", 422)
    application = _decide(application_id, reviewer, ApplicationStatus.REJECTED, comment.strip())
    emit_after_commit(db.session, "merchant:reviewed",
                      {"status": "rejected"}, user_room(application.user_id))
    db.session.commit()
    return application
