"""Image uploads: only real JPEG, PNG and WebP get through, re-encoded without any metadata."""
from __future__ import annotations

import hashlib
import io
import os
import random
import re
import stat
import time
import warnings
import zipfile

import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from tests.support.images import bilevel_png, encode, exif_with_gps, photo
from webapp.uploads import (
    CleanImage,
    UploadRejected,
    clean_image,
    discard,
    path_of,
    send_private,
    store,
)

NOT_AN_IMAGE = "请上传 JPEG、PNG 或 WebP 图片"
TOO_LARGE = "图片尺寸过大"
BROKEN = "图片已损坏，请重新拍摄"
LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}


def noise(size=(64, 64), mode="RGB") -> Image.Image:
    rng = random.Random(7)
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def rejected(data, **limits) -> str:
    with pytest.raises(UploadRejected) as caught:
        clean_image(data, **{**LIMITS, **limits})
    return caught.value.message


def test_jpeg_loses_exif_gps_icc_xmp_and_comment_and_is_turned_upright():
    data = encode(photo(), "JPEG", exif=exif_with_gps(), icc_profile=srgb_profile(),
                  comment=b"secret-comment", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for marker in (b"Exif", b"GPS", b"SecretCam", b"ICC_PROFILE", b"secret-comment",
                   b"secret-xmp"):
        assert marker in data

    clean = clean_image(FileStorage(io.BytesIO(data), filename="id.jpg"), **LIMITS)

    assert isinstance(clean, CleanImage)
    assert (clean.fmt, clean.width, clean.height) == ("jpeg", 20, 40)
    for marker in (b"Exif", b"GPS", b"SecretCam", b"ICC_PROFILE", b"secret-comment",
                   b"secret-xmp", b"http://ns.adobe.com/xap"):
        assert marker not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "icc_profile" not in image.info and "comment" not in image.info
        red, _, blue = image.getpixel((10, 5))  # the red left half is on top now
        assert red > 200 and blue < 60
        red, _, blue = image.getpixel((10, 35))
        assert red < 60 and blue > 200
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_jpeg_in_other_modes_comes_out_rgb(mode):
    clean = clean_image(encode(Image.new(mode, (8, 8)), "JPEG"), **LIMITS)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.mode == "RGB"


def test_png_keeps_its_alpha_and_loses_its_text_exif_and_icc():
    image = Image.new("RGBA", (10, 10), (0, 128, 0, 255))
    image.putpixel((3, 3), (255, 0, 0, 64))
    info = PngInfo()
    info.add_text("Comment", "secret-text")
    data = encode(image, "PNG", pnginfo=info, exif=exif_with_gps(), icc_profile=srgb_profile())
    for marker in (b"tEXt", b"eXIf", b"iCCP", b"secret-text"):
        assert marker in data

    clean = clean_image(io.BytesIO(data), **LIMITS)

    assert clean.fmt == "png"
    for marker in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"secret-text", b"GPS"):
        assert marker not in clean.data
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.mode == "RGBA"
        # The EXIF said "turn 90° clockwise": the pixel at (3, 3) of 10x10 is now at (6, 3).
        assert out.getpixel((6, 3)) == (255, 0, 0, 64)
        assert out.getpixel((0, 0)) == (0, 128, 0, 255)
        assert len(out.getexif()) == 0


def test_palette_png_with_a_transparent_colour_comes_out_rgba():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 255, 255])
    image.putpixel((0, 0), 0)
    clean = clean_image(encode(image, "PNG", transparency=0), **LIMITS)
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.mode == "RGBA"
        assert out.getpixel((0, 0))[3] == 0 and out.getpixel((1, 1)) == (255, 255, 255, 255)


def test_opaque_png_comes_out_rgb():
    clean = clean_image(encode(photo(), "PNG"), **LIMITS)
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.mode == "RGB" and out.size == (40, 20)


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    data = encode(Image.new("I;16", (4, 4), 30000), "PNG")
    with Image.open(io.BytesIO(data)) as original:
        assert original.mode == "I;16"
    clean = clean_image(data, **LIMITS)
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.getpixel((0, 0)) == (117, 117, 117)  # 30000 / 256


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_webp_is_accepted_without_its_metadata(mode):
    image = Image.new(mode, (16, 16), (10, 200, 30, 128)[: len(mode)])
    data = encode(image, "WEBP", exif=exif_with_gps(), icc_profile=srgb_profile(),
                  xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    for marker in (b"EXIF", b"ICCP", b"XMP ", b"secret-xmp"):
        assert marker in data

    clean = clean_image(data, **LIMITS)

    assert clean.fmt == "webp"
    for marker in (b"EXIF", b"ICCP", b"XMP ", b"secret-xmp", b"GPS"):
        assert marker not in clean.data
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.format == "WEBP" and out.mode == mode and out.size == (16, 16)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("payload", [
    b"<html><script>alert(document.cookie)</script></html>",
    "zip",
])
def test_a_polyglot_is_stored_as_the_picture_alone(fmt, payload):
    if payload == "zip":
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("evil.html", "<script>alert(1)</script>")
        payload = archive.getvalue()
    data = encode(photo(), fmt) + payload
    if payload.startswith(b"PK"):
        assert zipfile.is_zipfile(io.BytesIO(data))  # really a zip as well as an image

    clean = clean_image(data, **LIMITS)

    assert payload not in clean.data
    assert b"<script>" not in clean.data and b"PK\x03\x04" not in clean.data
    assert b"evil.html" not in clean.data


def unsupported_files():
    image = photo()
    yield "pdf", encode(image, "PDF")
    yield "gif", encode(image, "GIF")
    yield "bmp", encode(image, "BMP")
    yield "tiff", encode(image, "TIFF")
    yield "ico", encode(image, "ICO")
    yield "text", "身份证号 110101199003077777\n".encode()
    yield "svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    yield "html", b"<!doctype html><script>alert(1)</script>"


@pytest.mark.parametrize(("kind", "data"), list(unsupported_files()),
                         ids=[kind for kind, _ in unsupported_files()])
def test_other_files_are_refused_whatever_they_are_called(kind, data):
    upload = FileStorage(io.BytesIO(data), filename="id.jpg", content_type="image/jpeg")
    assert rejected(upload) == NOT_AN_IMAGE


def test_an_empty_or_missing_upload_asks_for_a_picture():
    assert rejected(FileStorage(io.BytesIO(b""), filename="")) == "请选择要上传的图片"
    assert rejected(None) == "请选择要上传的图片"  # request.files.get() of an absent field


def test_a_six_megabyte_image_is_refused_after_reading_one_byte_past_the_limit():
    data = encode(noise((1500, 1400)), "PNG")  # random noise barely compresses
    assert len(data) > 6_000_000
    with Image.open(io.BytesIO(data)) as image:
        image.verify()  # a real, valid PNG: only its size is wrong
    stream = io.BytesIO(data)

    assert rejected(FileStorage(stream, filename="big.png")) == "图片不能超过 5 MB"
    assert stream.tell() == LIMITS["max_bytes"] + 1


def test_the_byte_limit_is_inclusive():
    data = encode(photo(), "JPEG")
    assert clean_image(data, max_bytes=len(data), max_pixels=10_000).fmt == "jpeg"
    assert rejected(data, max_bytes=len(data) - 1).startswith("图片不能超过")


@pytest.mark.timeout(10)
def test_a_decompression_bomb_is_refused_without_decoding_it():
    bomb = bilevel_png(20000, 20000)  # 400 MP, 400 MB once decoded, about 50 kB on disk
    assert len(bomb) < 100_000
    started = time.perf_counter()
    assert rejected(bomb) == TOO_LARGE
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("action", ["error", "ignore"])
def test_pillows_own_bomb_warning_is_a_refusal_too(action):
    # 90 MP: over Pillow's warning threshold (~89.5 MP), under its error threshold. Refused
    # whatever the warning filters are when it runs: by the warning turned into an exception
    # (pytest's filterwarnings = error), and by the size check where the warning is only shown
    # or ignored, as in production. (It used to pass only under the first, so it failed whenever
    # the filters in force were not pytest's own, and decoded all 90 MP in the meantime.)
    with warnings.catch_warnings():
        warnings.simplefilter(action, Image.DecompressionBombWarning)
        started = time.perf_counter()
        assert rejected(bilevel_png(10000, 9000), max_pixels=10**9) == TOO_LARGE
        assert time.perf_counter() - started < 1  # refused before decoding


def test_over_the_pixel_limit_is_refused_before_decoding():
    assert rejected(bilevel_png(8000, 5125)) == TOO_LARGE  # 41 MP
    # Garbage for pixels: were it decoded first, it would be "damaged", not "too large".
    assert rejected(bilevel_png(100, 100, pixels=b"garbage")) == BROKEN
    assert rejected(bilevel_png(8000, 5125, pixels=b"garbage")) == TOO_LARGE


def test_just_under_the_pixel_limit_is_accepted():
    started = time.perf_counter()
    clean = clean_image(bilevel_png(8000, 5000), **LIMITS)  # exactly 40 MP
    assert (clean.width, clean.height) == (8000, 5000)
    assert time.perf_counter() - started < 5


def test_the_pixel_limit_is_inclusive():
    assert clean_image(encode(photo((100, 100)), "PNG"), max_bytes=10**6, max_pixels=10_000)
    assert rejected(encode(photo((100, 101)), "PNG"), max_pixels=10_000) == TOO_LARGE


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_refused_as_damaged(fmt):
    data = encode(noise(), fmt)
    assert rejected(data[: len(data) // 2]) == BROKEN


def test_a_png_with_a_bad_checksum_is_refused_as_damaged():
    data = bytearray(encode(noise(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    assert rejected(bytes(data)) == BROKEN


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_mangled_bytes_never_raise_anything_but_upload_rejected(fmt):
    original = encode(noise((24, 24)), fmt, exif=exif_with_gps())
    rng = random.Random(fmt)
    outcomes = set()
    for attempt in range(300):
        data = bytearray(original)
        if attempt % 3 == 0:
            data = data[: rng.randrange(len(data))]
        for _ in range(rng.randint(1, 8)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            clean_image(bytes(data), **LIMITS)
            outcomes.add("accepted")
        except UploadRejected as refusal:
            outcomes.add(refusal.message)
    assert BROKEN in outcomes  # the mangling did reach the decoders


@pytest.fixture
def uploads(app, tmp_path):
    root = tmp_path / "private"
    root.mkdir()
    app.config["UPLOAD_DIR"] = str(root)
    return root


def test_store_writes_a_private_file_under_a_random_name(uploads):
    clean = clean_image(encode(photo(), "JPEG"), **LIMITS)

    name = store(clean, "kyc")
    other = store(clean, "kyc/shop-7")

    assert re.fullmatch(r"kyc/[A-Za-z0-9_-]{22}\.jpg", name)
    assert re.fullmatch(r"kyc/shop-7/[A-Za-z0-9_-]{22}\.jpg", other)
    path = path_of(name)
    assert path == (uploads / name).resolve()
    assert path.read_bytes() == clean.data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path_of(other).stat().st_mode) == 0o600
    assert store(clean, "kyc") != name


def test_store_keeps_the_format_in_the_extension(uploads):
    for fmt, ext in (("PNG", "png"), ("WEBP", "webp")):
        assert store(clean_image(encode(photo(), fmt), **LIMITS), "kyc").endswith("." + ext)


@pytest.mark.parametrize("folder", ["../x", "/etc", "kyc/../x", "", "kyc/", "a\\b", "kyc/."])
def test_store_refuses_a_folder_that_could_leave_the_upload_dir(uploads, folder):
    clean = clean_image(encode(photo(), "JPEG"), **LIMITS)
    with pytest.raises(ValueError):
        store(clean, folder)
    assert not any(uploads.iterdir())


def test_store_needs_an_upload_dir(app):
    app.config["UPLOAD_DIR"] = None  # as TestConfig leaves it
    clean = clean_image(encode(photo(), "JPEG"), **LIMITS)
    with pytest.raises(RuntimeError, match="UPLOAD_DIR"):
        store(clean, "kyc")


@pytest.mark.parametrize("name", [
    "../x", "/etc/passwd", "kyc/../../x", "kyc/../../etc/passwd.jpg", "kyc/./a.jpg",
    "kyc\\..\\..\\x.jpg", "kyc/a.jpg\x00.png", "", "kyc/", "a.jpg", "kyc/a.exe", "kyc/a.JPG.",
    "//etc/passwd.jpg", "kyc/%2e%2e/x.jpg", None,
])
def test_path_of_refuses_names_store_never_makes(uploads, name):
    with pytest.raises(FileNotFoundError):
        path_of(name)


def test_path_of_refuses_a_symlink_that_leads_outside(uploads, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.jpg"
    outside.write_bytes(b"secret")
    (uploads / "kyc").mkdir()
    os.symlink(outside, uploads / "kyc" / "evil.jpg")
    with pytest.raises(FileNotFoundError):
        path_of("kyc/evil.jpg")


def test_discard_removes_a_stored_file_and_ignores_the_rest(uploads):
    name = store(clean_image(encode(photo(), "JPEG"), **LIMITS), "kyc")
    discard(name)
    assert not path_of(name).exists()
    discard(name)
    discard("../x")


@pytest.mark.parametrize(("fmt", "mimetype"), [
    ("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"),
])
def test_send_private_serves_inline_never_cached_never_sniffed(app, uploads, fmt, mimetype):
    clean = clean_image(encode(photo(), fmt), **LIMITS)
    name = store(clean, "kyc")
    app.add_url_rule("/_test/upload/<path:name>", "test_upload", send_private)

    response = app.test_client().get(f"/_test/upload/{name}", buffered=True)

    assert response.status_code == 200
    assert response.data == clean.data
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "inline"
    assert "ETag" not in response.headers
    # The same without the app's after_request hooks (Talisman also sends nosniff).
    with app.test_request_context(), send_private(name) as direct:
        assert direct.headers["X-Content-Type-Options"] == "nosniff"
        assert direct.headers["Cache-Control"] == "private, no-store"


def test_send_private_is_404_for_a_missing_or_forbidden_name(app, uploads):
    with app.test_request_context():
        for name in ("kyc/missing.jpg", "../x", "kyc/../../etc/passwd"):
            with pytest.raises(NotFound):
                send_private(name)
    (uploads / "kyc" / "dir.jpg").mkdir(parents=True)
    with app.test_request_context(), pytest.raises(NotFound):
        send_private("kyc/dir.jpg")
