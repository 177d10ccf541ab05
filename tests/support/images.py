"""Real image bytes, as phones and signature pads send them."""
from __future__ import annotations

import base64
import io

from PIL import ExifTags, Image, ImageDraw


def signature_data_url() -> str:
    """A real PNG with a stroke on it, as signature_pad would send."""
    image = Image.new("RGBA", (300, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 100), (120, 40), (260, 110)], fill=(17, 24, 39, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def jpeg_bytes(size=(320, 200), colour=(15, 118, 110)) -> bytes:
    """A real JPEG photo, as a phone would upload."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    """`image` saved as `fmt` (JPEG, PNG, WEBP...)."""
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def photo(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: shows which way a rotation went."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return image


def exif_with_gps() -> Image.Exif:
    """EXIF a phone camera writes: its make, a sideways orientation and where it was."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: turn 90° clockwise to show
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 15.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 30.0)
    gps[ExifTags.GPS.GPSProcessingMethod] = b"ASCII\x00\x00\x00GPS"
    return exif


def bilevel_png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A 1-bit all-black PNG built by hand, so a huge canvas costs nothing to make.

    `pixels` replaces the compressed pixel data (with garbage, say).
    """
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    if pixels is None:
        pixels = zlib.compress(bytes((1 + (width + 7) // 8) * height), 9)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def phone_jpeg(size=(8000, 6000)) -> bytes:
    """A big phone photo (8000x6000 is a 48 MP sensor's full resolution): a smooth gradient,
    under a megabyte, made in a fraction of a second."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    return encode(image, "JPEG", quality=90)
