"""Images without what they carry besides their pixels: EXIF (a GPS position, the time, the camera, sometimes
the owner's name), XMP, ICC profiles, comments and text chunks, embedded thumbnails.

A photo sent *as a file* reaches the bot as she took it; Telegram strips nothing from a file. Before such a
photo is relayed to the advocates, or drawn into the journal's PDF, it is redrawn here from its pixels alone,
turned as the camera meant it (the orientation tag goes with the rest). The original stays in her chat, and in
her encrypted journal if she stored it there.

JPEG, PNG and WebP are read; HEIC only if the installed Pillow can read it (no codec is added for it). What
cannot be read — another format, a damaged or hostile file, an image too large to redraw — gives None, and
the caller decides (the relay then copies the file as it is: README and the consent screen say so).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import PurePath

from PIL import Image, ImageOps  # a dependency of fpdf2 too

log = logging.getLogger(__name__)

# Redrawing holds the decoded pixels in memory (3-4 bytes each): a 40-megapixel photo is some 160 MB.
MAX_PIXELS = 40_000_000
# What each format is saved as, with its extension and what Pillow can write of it as it is.
SAVED = {
    "JPEG": ("jpg", ("RGB", "L"), {"quality": 90}),
    "PNG": ("png", ("1", "L", "LA", "I", "I;16", "RGB", "RGBA"), {}),
    "WEBP": ("webp", ("RGB", "RGBA"), {"quality": 90}),
}
IMAGE_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
IMAGE_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".heic": "HEIF", ".heif": "HEIF"}


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str  # jpg, png or webp: a neutral file name is made from it
    size: tuple[int, int]


def readable_image(mime_type: str | None, file_name: str | None) -> bool:
    """Is a file with this type or name an image this module can clean? (Only a name or type: the file itself
    may still turn out to be something else, and `without_metadata` then gives None.)"""
    kind = IMAGE_TYPES.get((mime_type or "").lower()) or IMAGE_EXTENSIONS.get(PurePath(file_name or "").suffix.lower())
    if kind == "HEIF":
        return "HEIF" in Image.registered_extensions().values()
    return kind is not None


def without_metadata(data: bytes, *, max_side: int | None = None, as_jpeg: bool = False) -> CleanImage | None:
    """The image redrawn from its pixels alone, in its own format (JPEG for HEIC), or as JPEG (`as_jpeg`);
    reduced to `max_side` if given. None if it cannot be read or is too large to redraw."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            source = image.format or ""
            if source not in SAVED and source != "HEIF":
                return None
            width, height = image.size
            if width * height > MAX_PIXELS:
                if source != "JPEG":
                    return None
                # A JPEG decodes straight to 1/2, 1/4 or 1/8 of its size: memory stays bounded.
                scale = next((s for s in (2, 4, 8) if (width // s) * (height // s) <= MAX_PIXELS), None)
                if scale is None:
                    return None
                image.draft("RGB", (width // scale, height // scale))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Exception as error:  # any decoder error: a damaged or hostile file is not read further
        log.info("image not cleaned error=%s", type(error).__name__)
        return None
    if max_side is not None:
        upright.thumbnail((max_side, max_side))
    target = "JPEG" if as_jpeg or source not in SAVED else source
    extension, modes, options = SAVED[target]
    if upright.mode not in modes:
        keeps_alpha = target != "JPEG" and (upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info)
        upright = upright.convert("RGBA" if keeps_alpha else "RGB")
    # A new image from the pixels alone: saving the decoded one would carry its info (ICC, comment, EXIF) over.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    buffer = io.BytesIO()
    pixels.save(buffer, format=target, **options)
    return CleanImage(buffer.getvalue(), extension, pixels.size)
