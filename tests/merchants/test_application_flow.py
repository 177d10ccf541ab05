"""The merchant's application from draft to approval: photos, handles, reasons per field,
versions, and who may see the documents."""
import io
import random
import struct
import zlib

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from tests.support.factories import submit_complete
from tests.support.helpers import (
    HX,
    PHOTOS,
    application_form,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    input_value,
    post_multipart,
    selected_option,
    stored_files,
    typed_fields,
    upload,
    url,
)
from tests.support.images import jpeg_bytes
from webapp.admin import services as admin_services
from webapp.extensions import db
from webapp.merchants import services
from webapp.models import ApplicationStatus, AuditLog, MerchantApplication, Role

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

VALID_ID = "11010519491231002X"


def applications() -> list[MerchantApplication]:
    db.session.expire_all()
    return list(db.session.scalars(select(MerchantApplication).order_by(MerchantApplication.id)))


def audit_actions(action: str) -> int:
    return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == action))


def only_photos_kept(app, count: int) -> bool:
    """After a refused post: nothing but the `count` photos that passed is saved, on a draft."""
    drafts = applications()
    if not count:
        return drafts == [] and stored_files(app) == []
    [draft] = drafts
    return (draft.status is ApplicationStatus.DRAFT and not draft.legal_name
            and sum(bool(getattr(draft, kind)) for kind in PHOTOS) == len(stored_files(app)) == count)


def error_of(text: str, name: str) -> str | None:
    """The error message shown under the field called `name`, if any."""
    import re

    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', text)
    return found.group(1) if found else None


def field_block(text: str, name: str) -> str:
    """The markup of one field: from its label to the start of the next field."""
    start = text.index(f'<label for="{name}"')
    end = text.find('<div class="field', text.index(f'name="{name}"'))
    return text[start:end]


@pytest.fixture
def merchant(client, login_as, make_user):
    """A merchant without an application, logged in on `client`."""
    return login_as(make_user(Role.MERCHANT))


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


# Bad photos, each made of real bytes as a browser would send them.

def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def six_megabyte_png() -> bytes:
    """A real, valid PNG of noise (which does not compress) over 6 MB."""
    size = (1600, 1400)
    pixels = random.Random(3).randbytes(size[0] * size[1] * 3)
    data = encode(Image.frombytes("RGB", size, pixels), "PNG", compress_level=0)
    assert len(data) > 6 * 1024 * 1024
    return data


def pdf_renamed_jpg() -> bytes:
    return encode(Image.new("RGB", (40, 30), (200, 0, 0)), "PDF")


def gif_html_polyglot() -> bytes:
    """A valid GIF that is also an HTML page with a script (served as HTML it would run)."""
    data = encode(Image.new("RGB", (8, 8), (0, 0, 255)), "GIF")
    return data + b"<html><script>alert(document.cookie)</script></html>"


def decompression_bomb() -> bytes:
    """A 1-bit PNG of 20000 x 20000 pixels (400 MP once decoded), about 50 kB on disk."""
    width = height = 20000

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    pixels = zlib.compress(bytes((1 + (width + 7) // 8) * height), 9)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


BAD_PHOTOS = [
    ("six-megabytes", six_megabyte_png, "big.png", "图片不能超过 5 MB"),
    ("pdf-named-jpg", pdf_renamed_jpg, "licence.jpg", "请上传 JPEG、PNG 或 WebP 图片"),
    ("gif-html-polyglot", gif_html_polyglot, "id.jpg", "请上传 JPEG、PNG 或 WebP 图片"),
    ("decompression-bomb", decompression_bomb, "bomb.png", "图片尺寸过大"),
]


def test_save_a_partial_draft_then_submit(app, client, merchant):
    path = url(app, "merchants.apply")
    response = client.post(path, data={"legal_name": "王小明", "id_number": VALID_ID,
                                       "id_front": upload(jpeg_bytes(), "front.jpg"),
                                       "action": "draft"})
    assert_redirect(response, path)
    [draft] = applications()
    assert (draft.status, draft.version, draft.legal_name) == (
        ApplicationStatus.DRAFT, 1, "王小明")
    assert draft.id_front and not draft.id_back and not draft.licence_photo
    assert services.reveal_id_number(draft) == VALID_ID
    assert audit_actions("application.submitted") == 0

    text = assert_page(client.get(path), "apply-form")
    assert "草稿已保存（第 1 版）" in text and "草稿第 1 版" in text
    assert input_value(text, "legal_name") == "王小明"
    assert not input_value(text, "id_number") and VALID_ID not in text
    assert "已填写 1101**********002X" in text
    assert url(app, "merchants.document", application_id=draft.id, kind="id_front") in text
    assert url(app, "merchants.document", application_id=draft.id, kind="id_back") not in text
    assert "实名资料草稿" in client.get(url(app, "merchants.dashboard")).text

    # The rest, without the ID number or the front photo again: the draft has those.
    response = client.post(path, headers=HX, data=application_form(
        photos=("id_back", "licence_photo"), id_number=""))
    assert_htmx_redirect(response, url(app, "merchants.dashboard"))
    [application] = applications()
    assert (application.id, application.status, application.version) == (
        draft.id, ApplicationStatus.SUBMITTED, 1)
    assert application.id_front == draft.id_front
    assert application.id_back and application.licence_photo
    assert services.reveal_id_number(application) == VALID_ID
    assert audit_actions("application.submitted") == 1
    assert len(stored_files(app)) == 3


def test_a_draft_with_a_bad_field_is_not_saved_either(app, client, merchant):
    response = client.post(url(app, "merchants.apply"), headers=HX, data={
        "legal_name": "王小明", "mobile": "1390000111", "action": "draft"})
    text = assert_fragment(response, "apply-form", status=422)
    assert error_of(text, "mobile") == "请输入 11 位中国大陆手机号"
    assert input_value(text, "legal_name") == "王小明"
    assert applications() == []


@pytest.mark.parametrize("missing", PHOTOS)
def test_submit_with_a_missing_photo_names_that_field(app, client, merchant, missing):
    data = application_form(photos=[kind for kind in PHOTOS if kind != missing])
    text = assert_fragment(client.post(url(app, "merchants.apply"), headers=HX, data=data),
                           "apply-form", status=422)
    assert error_of(text, missing).startswith("请上传")
    for other in PHOTOS:
        if other != missing:
            assert error_of(text, other) is None
    for name, typed in typed_fields(data).items():
        assert input_value(text, name) == typed, name
    assert only_photos_kept(app, 2)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", PHOTOS)
@pytest.mark.parametrize(("make", "filename", "message"),
                         [row[1:] for row in BAD_PHOTOS], ids=[row[0] for row in BAD_PHOTOS])
def test_a_bad_photo_gets_a_message_on_its_field_and_only_the_good_ones_are_kept(
        app, client, merchant, kind, make, filename, message):
    data = application_form(**{kind: (io.BytesIO(make()), filename)})
    response = post_multipart(client, url(app, "merchants.apply"), data, headers=HX)
    text = assert_fragment(response, "apply-form", status=422)
    assert error_of(text, kind) == message
    assert f'aria-invalid="true" id="{kind}"' in text
    for other in PHOTOS:
        if other != kind:
            assert error_of(text, other) is None
    for name, typed in typed_fields(data).items():
        assert input_value(text, name) == typed, name
    assert only_photos_kept(app, 2)


@pytest.mark.parametrize(("make", "filename", "message"),
                         [row[1:] for row in BAD_PHOTOS], ids=[row[0] for row in BAD_PHOTOS])
def test_a_bad_photo_leaves_an_existing_draft_as_it_was(app, client, merchant, make, filename,
                                                        message):
    client.post(url(app, "merchants.apply"), data={
        "legal_name": "王小明", "id_front": upload(jpeg_bytes(), "front.jpg"), "action": "draft"})
    [before] = applications()
    kept = (before.legal_name, before.id_front, before.licence_photo, before.updated_at)
    files = stored_files(app)
    response = post_multipart(client, url(app, "merchants.apply"), {
        "legal_name": "王大明", "licence_photo": (io.BytesIO(make()), filename),
        "action": "draft"})
    text = assert_page(response, "apply-form", status=422)
    assert error_of(text, "licence_photo") == message
    assert input_value(text, "legal_name") == "王大明"
    [after] = applications()
    assert (after.legal_name, after.id_front, after.licence_photo, after.updated_at) == kept
    assert stored_files(app) == files


def test_a_polyglot_jpeg_is_stored_as_the_picture_alone(app, client, merchant):
    script = b"<html><script>alert(document.cookie)</script></html>"
    data = application_form(id_front=upload(jpeg_bytes() + script, "id.jpg"))
    assert_redirect(client.post(url(app, "merchants.apply"), data=data),
                    url(app, "merchants.dashboard"))
    [application] = applications()
    response = client.get(url(app, "merchants.document", application_id=application.id,
                              kind="id_front"), buffered=True)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert script not in response.data and b"<script" not in response.data
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_photos_lose_their_location_on_the_way_in(app, client, merchant):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 15.0)
    photo = encode(Image.new("RGB", (64, 48), (15, 118, 110)), "JPEG", exif=exif)
    assert b"SecretCam" in photo
    client.post(url(app, "merchants.apply"), data=application_form(id_front=upload(photo)))
    [application] = applications()
    stored = client.get(url(app, "merchants.document", application_id=application.id,
                            kind="id_front"), buffered=True).data
    assert b"SecretCam" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48) and len(image.getexif()) == 0


@pytest.mark.parametrize(("handle", "message"), [
    ("my shop", "店铺网址只能用小写字母、数字和连字符"),
    (" green grocer ", "店铺网址只能用小写字母、数字和连字符"),
    ("green-grocer", "该店铺网址已被使用，请换一个"),
    ("GREEN-GROCER", "该店铺网址已被使用，请换一个"),
    ("admin", "该网址为系统保留，请换一个"),
    ("settings", "该网址为系统保留，请换一个"),
    ("-fresh", "店铺网址只能用小写字母、数字和连字符"),
    ("ab", "店铺网址只能用小写字母、数字和连字符"),
])
def test_a_bad_or_taken_handle_is_refused_on_its_field(app, client, merchant, make_shop, handle,
                                                      message):
    make_shop(handle="green-grocer")
    data = application_form(handle_wish=handle)
    text = assert_fragment(client.post(url(app, "merchants.apply"), headers=HX, data=data),
                           "apply-form", status=422)
    assert error_of(text, "handle_wish").startswith(message)
    for name, typed in typed_fields(data).items():
        if name != "handle_wish":
            assert input_value(text, name) == typed, name
    assert input_value(text, "handle_wish").strip().lower() == handle.strip().lower()
    assert only_photos_kept(app, 3)


def test_a_free_handle_is_kept_lower_case(app, client, merchant):
    client.post(url(app, "merchants.apply"), data=application_form(handle_wish=" Fresh-Fruit "))
    [application] = applications()
    assert application.handle_wish == "fresh-fruit"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_double_submission_keeps_one_submitted_version(app, client, merchant, htmx):
    path = url(app, "merchants.apply")
    headers = HX if htmx else {}
    dashboard = url(app, "merchants.dashboard")
    for _ in range(2):
        response = client.post(path, headers=headers, data=application_form())
        if htmx:
            assert_htmx_redirect(response, dashboard)
        else:
            assert_redirect(response, dashboard)
    [application] = applications()
    assert (application.status, application.version) == (ApplicationStatus.SUBMITTED, 1)
    assert audit_actions("application.submitted") == 1
    assert len(stored_files(app)) == 3  # the second post's photos were never kept
    assert "资料正在审核中" in client.get(dashboard).text


def test_the_service_refuses_a_second_submission_with_a_conflict(app, merchant):
    from webapp.web import ServiceError

    submit_complete(merchant)
    with pytest.raises(ServiceError) as refused:
        submit_complete(merchant)
    assert refused.value.status == 409
    assert [a.status for a in applications()] == [ApplicationStatus.SUBMITTED]


@pytest.mark.parametrize("decide", [admin_services.reject, admin_services.request_info],
                         ids=["reject", "request_info"])
def test_reasons_are_shown_beside_their_fields_and_on_the_dashboard(app, client, merchant,
                                                                    admin, decide):
    application = submit_complete(merchant)
    decide(application.id, admin, {"licence_photo": "照片模糊，请重拍", "mobile": "号码无法接通",
                                   "shop_address": "请写到门牌号"}, "请按标注修改")
    text = assert_page(client.get(url(app, "merchants.apply")), "apply-form")
    assert 'id="note-licence_photo"' in field_block(text, "licence_photo")
    assert "照片模糊，请重拍" in field_block(text, "licence_photo")
    assert 'id="note-mobile"' in field_block(text, "mobile")
    assert "号码无法接通" in field_block(text, "mobile")
    assert 'id="note-shop_address"' in field_block(text, "street")
    for unremarked in ("legal_name", "id_number", "uscc", "id_front", "id_back"):
        assert f'id="note-{unremarked}"' not in text
    assert "请按标注修改" in text

    dashboard = assert_page(client.get(url(app, "merchants.dashboard")), "review-result")
    for label, reason in (("营业执照照片", "照片模糊，请重拍"), ("联系手机", "号码无法接通"),
                          ("店铺地址", "请写到门牌号")):
        assert f"<strong>{label}</strong>：{reason}" in dashboard
    assert "修改后重新提交" in dashboard


def test_reasons_stay_beside_their_fields_while_the_fix_is_a_draft(app, client, merchant, admin):
    application = submit_complete(merchant)
    admin_services.request_info(application.id, admin, {"id_back": "国徽面反光"})
    client.post(url(app, "merchants.apply"), data=application_form(photos=(), id_number="",
                                                                   action="draft"))
    assert [a.version for a in applications()] == [1, 2]
    text = assert_page(client.get(url(app, "merchants.apply")), "apply-form")
    assert "国徽面反光" in field_block(text, "id_back")


def test_resubmitting_makes_version_two_and_the_reviewer_sees_what_changed(
        app, client, merchant, admin, login_as):
    first = submit_complete(merchant)
    admin_services.request_info(first.id, admin, {"licence_photo": "照片模糊",
                                                  "mobile": "号码无法接通"})
    # A new licence photo and mobile; no ID number and no ID photos given again.
    data = application_form(photos=("licence_photo",), id_number="", mobile="13900002222")
    assert_redirect(client.post(url(app, "merchants.apply"), data=data),
                    url(app, "merchants.dashboard"))
    old, new = applications()
    assert (old.version, old.status) == (1, ApplicationStatus.NEEDS_INFO)
    assert old.review_notes == {"licence_photo": "照片模糊", "mobile": "号码无法接通"}
    assert (new.version, new.status, new.mobile) == (2, ApplicationStatus.SUBMITTED,
                                                      "13900002222")
    assert (new.id_front, new.id_back) == (old.id_front, old.id_back)
    assert new.licence_photo != old.licence_photo
    assert services.reveal_id_number(new) == VALID_ID
    assert new.id_number_masked == "1101**********002X"
    assert new.review_notes == {}

    assert admin_services.changes_since_previous(new) == ["mobile", "licence_photo"]
    reviewer = app.test_client()
    login_as(admin, reviewer)
    text = assert_page(reviewer.get(url(app, "admin.review", application_id=new.id)),
                       f"decision-{new.id}")
    assert "第 2 版" in text
    assert "与上一版相比修改了：联系手机、营业执照照片" in text
    assert '<dd class="changed">13900002222</dd>' in text
    assert '<dd class="changed">王小明</dd>' not in text and "<dd>王小明</dd>" in text
    assert text.count('class="field note-field changed"') == 2
    assert text.count("本次修改") == 2
    # The queue shows the new version only once, and its number.
    queue = reviewer.get(url(app, "admin.applications"), headers=HX).text
    assert queue.count('id="application-') == 1 and "第 2 版" in queue


def test_a_merchant_cannot_change_a_submitted_application(app, client, merchant):
    submit_complete(merchant)
    response = client.post(url(app, "merchants.apply"), data=application_form(
        legal_name="别人", action="draft"))
    assert_redirect(response, url(app, "merchants.dashboard"))
    [application] = applications()
    assert application.legal_name == "王小明"


# Who may see the documents.

@pytest.fixture
def submitted(merchant):
    """The logged-in merchant's submitted application, with its three photos."""
    return submit_complete(merchant)


def document_urls(app, application):
    return [url(app, "merchants.document", application_id=application.id, kind=kind)
            for kind in PHOTOS]


def test_the_owner_sees_their_documents_never_cached(app, client, submitted):
    for path in document_urls(app, submitted):
        response = client.get(path, buffered=True)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "private, no-store"
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == "JPEG"


def test_an_admin_sees_any_documents_never_cached(app, submitted, admin, login_as):
    reviewer = app.test_client()
    login_as(admin, reviewer)
    for path in document_urls(app, submitted):
        response = reviewer.get(path, buffered=True)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"


def test_another_merchant_cannot_see_the_documents(app, submitted, make_user, login_as):
    other = app.test_client()
    other_merchant = login_as(make_user(Role.MERCHANT), other)
    submit_complete(other_merchant)  # with documents of their own
    for path in document_urls(app, submitted):
        response = other.get(path)
        assert_page(response, status=404)
        assert response.mimetype == "text/html"
    # Nor the application itself: their form and dashboard show only their own.
    assert "审核中" in other.get(url(app, "merchants.dashboard")).text
    assert f"/applications/{submitted.id}/" not in other.get(
        url(app, "merchants.dashboard")).text


@pytest.mark.parametrize("role", [Role.BUYER, Role.COURIER])
def test_buyers_and_couriers_cannot_see_documents(app, submitted, make_user, make_shop,
                                                  login_as, role):
    other = app.test_client()
    login_as(make_user(role, **({"shop_id": make_shop().id} if role is Role.COURIER else {})),
             other)
    for path in document_urls(app, submitted):
        assert_page(other.get(path), status=403)


def test_anonymous_visitors_are_sent_to_login_for_documents_and_the_form(app, submitted):
    anonymous = app.test_client()
    for path in [*document_urls(app, submitted), url(app, "merchants.apply")]:
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith(url(app, "auth.login"))
        assert b"\xff\xd8" not in response.data


@pytest.mark.parametrize(("kind", "application_id"), [("selfie", None), ("id_front", 999)])
def test_unknown_documents_are_404(app, client, submitted, kind, application_id):
    response = client.get(url(app, "merchants.document",
                              application_id=application_id or submitted.id, kind=kind))
    assert_page(response, status=404)


def test_the_form_never_shows_another_merchants_data(app, client, merchant, make_user):
    submit_complete(make_user(Role.MERCHANT), legal_name="李四", mobile="13711112222")
    text = assert_page(client.get(url(app, "merchants.apply")), "apply-form")
    assert "李四" not in text and "13711112222" not in text
    assert not input_value(text, "legal_name")
    assert selected_option(text, "province") is None


def test_a_photo_replaced_in_a_draft_is_deleted_but_one_an_earlier_version_shows_is_kept(
        app, make_user):
    from webapp.merchants import services as merchants
    from webapp.uploads import clean_image, path_of

    merchant, boss = make_user(Role.MERCHANT), make_user(Role.ADMIN)
    first = submit_complete(merchant)
    admin_services.reject(first.id, boss, {"licence_photo": "模糊"})
    kept = first.licence_photo
    draft = merchants.save_application(merchant, fields={}, id_number=None, submit=False,
                                       documents={"licence_photo": clean_image(jpeg_bytes())})
    in_draft = draft.licence_photo
    assert path_of(kept).exists() and path_of(in_draft).exists()  # version 1 still shows `kept`
    draft = merchants.save_application(merchant, fields={}, id_number=None, submit=False,
                                       documents={"licence_photo": clean_image(jpeg_bytes())})
    assert not path_of(in_draft).exists()  # only the draft showed it
    assert path_of(kept).exists() and path_of(draft.licence_photo).exists()


# ---- a failed submit keeps the photos ----------------------------------------------------------

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_failed_submit_keeps_its_photos_for_the_next_one(app, client, merchant, htmx):
    """A phone user who mistyped the mobile does not choose three photos again: the photos that
    passed their checks go on the draft, show as uploaded, and the next submit uses them."""
    path = url(app, "merchants.apply")
    headers = HX if htmx else {}
    data = application_form(mobile="1390000111")
    text = (assert_fragment if htmx else assert_page)(
        client.post(path, headers=headers, data=data), "apply-form", status=422)
    assert error_of(text, "mobile") == "请输入 11 位中国大陆手机号"
    [draft] = applications()
    assert draft.status is ApplicationStatus.DRAFT and all(getattr(draft, k) for k in PHOTOS)
    assert len(stored_files(app)) == 3
    for kind in PHOTOS:
        assert url(app, "merchants.document", application_id=draft.id, kind=kind) in text
        assert "已上传 ✓，可重新选择" in field_block(text, kind)
        assert error_of(text, kind) is None
    assert "照片需要重新选择" not in text and "已选的照片已保存" in text
    for name, typed in typed_fields(data).items():
        assert input_value(text, name) == typed, name

    # Fixed, without choosing the photos again.
    response = client.post(path, headers=headers, data=application_form(photos=()))
    (assert_htmx_redirect if htmx else assert_redirect)(response, url(app, "merchants.dashboard"))
    [application] = applications()
    assert application.status is ApplicationStatus.SUBMITTED and application.mobile == "13900001111"
    assert all(getattr(application, k) == getattr(draft, k) for k in PHOTOS)
    assert len(stored_files(app)) == 3


def test_a_failed_submit_keeps_the_good_photos_and_names_the_bad_one(app, client, merchant):
    data = application_form(licence_photo=(io.BytesIO(pdf_renamed_jpg()), "licence.jpg"))
    text = assert_fragment(post_multipart(client, url(app, "merchants.apply"), data, headers=HX),
                           "apply-form", status=422)
    assert error_of(text, "licence_photo") is not None
    [draft] = applications()
    assert draft.id_front and draft.id_back and not draft.licence_photo
    assert "已上传 ✓，可重新选择" in field_block(text, "id_front")
    assert "已上传 ✓，可重新选择" not in field_block(text, "licence_photo")
