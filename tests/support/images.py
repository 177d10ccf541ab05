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
