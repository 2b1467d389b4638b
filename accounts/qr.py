"""QR codes as inline SVG, drawn on the server: no images from elsewhere, no scripts."""

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_code_svg(*, data: str) -> str:
    """An `<svg>` element (no XML declaration) that draws `data` as a QR code."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=4)
    return image.to_string(encoding="unicode")
