"""`flask purge-drafts`: application drafts nobody touched for DRAFT_RETENTION_DAYS go, with the
ID photos kept on them from a refused form; submitted versions and their photos stay."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.factories import submit_complete
from tests.support.helpers import HX, application_form, stored_files, url
from tests.support.images import jpeg_bytes
from webapp.admin import services as admin_services
from webapp.extensions import db
from webapp.merchants import services
from webapp.models import ApplicationStatus, MerchantApplication, Role, utcnow
from webapp.uploads import clean_image, path_of

pytestmark = pytest.mark.db


def kept_photos(user, *kinds):
    """What a refused form leaves: its good photos on a draft."""
    return services.keep_documents(user, {kind: clean_image(jpeg_bytes()) for kind in kinds})


def age(application, days):
    db.session.execute(MerchantApplication.__table__.update().where(
        MerchantApplication.id == application.id).values(updated_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def files_of(application):
    return [path_of(name) for name in (application.id_front, application.id_back,
                                       application.licence_photo) if name]


def test_old_drafts_and_their_photos_go_newer_ones_and_submitted_versions_stay(app, make_user):
    old = kept_photos(make_user(Role.MERCHANT), "id_front", "id_back")
    recent = kept_photos(make_user(Role.MERCHANT), "id_front")
    submitted = submit_complete(make_user(Role.MERCHANT))
    # A fix of a version sent back copies its photos: the draft goes, the photos it shares stay.
    reviewed_owner = make_user(Role.MERCHANT)
    reviewed = submit_complete(reviewed_owner)
    admin_services.request_info(reviewed.id, make_user(Role.ADMIN), {"shop_name": "请写全称"})
    fix = kept_photos(reviewed_owner, "licence_photo")
    assert fix.status is ApplicationStatus.DRAFT and fix.id_front == reviewed.id_front
    for application, days in ((old, 31), (recent, 29), (submitted, 400), (reviewed, 400), (fix, 31)):
        age(application, days)
    old_files, fix_only = files_of(old), path_of(fix.licence_photo)
    staying = files_of(recent) + files_of(submitted) + files_of(reviewed)
    assert all(path.exists() for path in [*old_files, fix_only, *staying])

    result = app.test_cli_runner().invoke(args=["purge-drafts"])
    assert "deleted 2 application drafts untouched for 30 days" in result.output
    db.session.expire_all()
    left = set(db.session.scalars(select(MerchantApplication.id)))
    assert left == {recent.id, submitted.id, reviewed.id}
    assert not any(path.exists() for path in [*old_files, fix_only])
    assert all(path.exists() for path in staying)
    assert len(stored_files(app)) == len(staying)

    result = app.test_cli_runner().invoke(args=["purge-drafts", "--older-than", "7"])
    assert "deleted 1 application drafts untouched for 7 days" in result.output
    assert not any(path.exists() for path in files_of(recent))


@pytest.mark.parametrize(("language", "says"), [
    ("zh-CN", "已选的照片已保存在草稿中，不必重新选择；草稿 30 天未改动会连同照片删除。"),
    ("en", "The photos you chose are saved on a draft, so you need not choose them again; "
           "a draft left untouched for 30 days is deleted with its photos.")])
def test_the_form_says_the_photos_were_kept_and_for_how_long(app, client, login_as, make_user,
                                                             language, says):
    login_as(make_user(Role.MERCHANT))
    response = client.post(url(app, "merchants.apply"), data=application_form(mobile="1390000111"),
                           headers={**HX, "Accept-Language": language})
    assert response.status_code == 422
    assert says in response.text
