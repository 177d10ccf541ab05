"""Draw the app icons (python -m webapp.pwa.icons; the PNGs are committed): a white check on a teal tile."""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent.parent.parent / "static" / "icons"
TEAL, WHITE, AMBER = (15, 118, 110, 255), (255, 255, 255, 255), (251, 191, 36, 255)


def draw(size: int, maskable: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), TEAL if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    if not maskable:
        d.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=TEAL)
    # Maskable icons keep their mark inside the central 80% safe zone.
    scale = 0.62 if maskable else 0.8
    c, r = size / 2, size * scale / 2
    d.ellipse((c - r * 0.78, c - r * 0.78, c + r * 0.78, c + r * 0.78), outline=WHITE,
              width=max(2, size // 24))
    w = max(3, size // 14)
    d.line([(c - r * 0.38, c + r * 0.02), (c - r * 0.08, c + r * 0.32), (c + r * 0.42, c - r * 0.3)],
           fill=AMBER, width=w, joint="curve")
    return image


if __name__ == "__main__":
    draw(192, False).save(HERE / "icon-192.png", optimize=True)
    draw(512, False).save(HERE / "icon-512.png", optimize=True)
    draw(512, True).save(HERE / "icon-maskable-512.png", optimize=True)
