"""Draw the integration's brand icon (brand/icon.png and icon@2x.png) with Pillow.

A plain speech bubble with "SMS" on red: our own drawing, not SMS.dk's logo.
Run ``python -m scripts.make_brand`` after changing it; the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "sms_dk" / "brand"
RED = (207, 17, 29, 255)
WHITE = (255, 255, 255, 255)


def icon(size: int) -> Image.Image:
    """Return the icon drawn at *size* pixels square."""
    scale = size / 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=int(48 * scale), fill=RED)
    bubble = (int(36 * scale), int(52 * scale), int(220 * scale), int(172 * scale))
    draw.rounded_rectangle(bubble, radius=int(36 * scale), fill=WHITE)
    draw.polygon(
        [
            (int(70 * scale), int(166 * scale)),
            (int(62 * scale), int(212 * scale)),
            (int(112 * scale), int(168 * scale)),
        ],
        fill=WHITE,
    )
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", int(64 * scale))
    except OSError:
        font = ImageFont.load_default(size=int(64 * scale))
    center = ((bubble[0] + bubble[2]) / 2, (bubble[1] + bubble[3]) / 2)
    draw.text(center, "SMS", font=font, fill=RED, anchor="mm")
    return image


if __name__ == "__main__":
    BRAND.mkdir(exist_ok=True)
    icon(256).save(BRAND / "icon.png", optimize=True)
    icon(512).save(BRAND / "icon@2x.png", optimize=True)
