"""An EAN-13 drawn from its encoding tables, and a YUV4MPEG2 video of it for Chromium's fake
camera (--use-file-for-fake-video-capture): the barcode scanner's browser test shows it to the
page's getUserMedia as a real camera would."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

# Each digit's seven modules (1 = bar): L and G on the left, R on the right; the first digit
# picks which of the left six use G.
L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011",
     "0110111", "0001011"]
G = ["".join("1" if m == "0" else "0" for m in reversed(r)) for r in L]
R = ["".join("1" if m == "0" else "0" for m in code) for code in L]
PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG",
          "LGLGGL", "LGGLGL"]


def modules(code: str) -> str:
    """The 95 modules of EAN-13 `code` (its check digit included)."""
    assert len(code) == 13 and code.isdigit()
    left = "".join((L if p == "L" else G)[int(d)] for p, d in zip(PARITY[int(code[0])], code[1:7]))
    return "101" + left + "01010" + "".join(R[int(d)] for d in code[7:]) + "101"


def picture(code: str, size=(640, 480), module_px: int = 5) -> Image.Image:
    """The barcode black on white, centred, with a quiet zone of more than 11 modules."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    bars = modules(code)
    left = (size[0] - len(bars) * module_px) // 2
    top, bottom = size[1] // 4, size[1] * 3 // 4
    for i, bar in enumerate(bars):
        if bar == "1":
            draw.rectangle([left + i * module_px, top, left + (i + 1) * module_px - 1, bottom],
                           fill=0)
    return image


def write_y4m(image: Image.Image, path: Path, frames: int = 5) -> Path:
    """`frames` identical frames of `image` as YUV4MPEG2 4:2:0 (grey: U and V at 128)."""
    width, height = image.size
    luma = image.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma)
    return path
