"""A payment's QR code as inline SVG: the buyer's pay page and the courier's code at the door."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """`text` (a gateway's code URL) as an SVG path, hidden from screen readers: the page names
    what it is for beside it."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    out = io.BytesIO()
    code.make_image().save(out)
    svg = out.getvalue().decode().split("?>", 1)[-1]
    return Markup(svg.replace("<svg ", '<svg role="img" aria-hidden="true" ', 1))
