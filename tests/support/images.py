"""Photos as a phone makes them, with what they carry besides their pixels (for the tests of bot/images.py and
of the relay)."""

from __future__ import annotations

import io

from PIL import Image

ALMATY = {1: "N", 2: (43.0, 15.0, 30.0), 3: "E", 4: (76.0, 54.0, 10.0)}  # an EXIF GPSInfo block


def photo_with_location(place: str, image_format: str = "JPEG", size: tuple[int, int] = (90, 60)) -> bytes:
    """A photo as it arrives from a phone: EXIF with a GPS position, a description, the camera, and a rotation
    (turned 90° clockwise: shown upright it is `size` turned)."""
    exif = Image.Exif()
    exif[0x010E] = place  # ImageDescription
    exif[0x0110] = "Phone of " + place  # Model
    exif[0x0112] = 6  # Orientation
    exif[0x8825] = ALMATY
    extra = {"comment": place.encode()} if image_format == "JPEG" else {}
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(buffer, format=image_format, exif=exif, **extra)
    return buffer.getvalue()
