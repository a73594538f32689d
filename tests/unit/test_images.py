"""Photos redrawn without their metadata (security review, item 1): what a phone puts in a photo besides its
pixels — a GPS position, the camera, a description, a comment — is gone; the photo is turned as the camera
meant it; what cannot be read is left to the caller."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from bot import images
from bot.images import readable_image, without_metadata
from tests.support.images import photo_with_location

PLACE = "SECRET-STREET-17"


@pytest.mark.parametrize(("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_a_phone_photo_loses_its_location_and_every_other_tag_and_stands_upright(image_format, extension):
    original = photo_with_location(PLACE, image_format, size=(90, 60))
    assert PLACE.encode() in original
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the GPS position is there to begin with

    clean = without_metadata(original)

    assert clean is not None and clean.extension == extension
    assert PLACE.encode() not in clean.data and b"Exif" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.format == image_format
        assert not after.getexif() and "exif" not in after.info and "icc_profile" not in after.info
        assert after.size == (60, 90) == clean.size  # the orientation was applied, then dropped with the rest


def test_png_text_chunks_and_an_icc_profile_go_and_transparency_stays():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", PLACE)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{PLACE}</x:xmpmeta>")
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, icc_profile=b"\0" * 128 + PLACE.encode())
    clean = without_metadata(buffer.getvalue())
    assert clean is not None and PLACE.encode() not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.mode == "RGBA" and after.getpixel((0, 0)) == (255, 0, 0, 0)
        assert not after.text


def test_a_palette_png_keeps_its_colours():
    image = Image.new("P", (2, 2))
    image.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    image.putpixel((1, 1), 1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    clean = without_metadata(buffer.getvalue())
    assert clean is not None
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.convert("RGB").getpixel((1, 1)) == (200, 30, 30)


def test_for_the_pdf_a_photo_becomes_a_reduced_jpeg():
    clean = without_metadata(photo_with_location(PLACE, "PNG", size=(400, 200)), max_side=100, as_jpeg=True)
    assert clean is not None and clean.extension == "jpg" and clean.size == (50, 100)
    assert PLACE.encode() not in clean.data


def test_a_jpeg_too_large_to_redraw_whole_is_decoded_smaller_and_other_large_images_are_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    clean = without_metadata(photo_with_location(PLACE, "JPEG", size=(80, 60)))  # 4800 pixels
    assert clean is not None and clean.size[0] * clean.size[1] <= 1000
    assert PLACE.encode() not in clean.data
    assert without_metadata(photo_with_location(PLACE, "PNG", size=(80, 60))) is None


@pytest.mark.parametrize("data", [b"", b"plain text", b"\xff\xd8\xff\xe0 broken jpeg", b"GIF89a\x01\x00\x01\x00"])
def test_what_is_not_a_readable_photo_gives_none(data):
    assert without_metadata(data) is None


def test_which_files_are_taken_for_photos():
    assert readable_image("image/jpeg", "IMG_0001.JPG") and readable_image(None, "scan.png")
    assert readable_image("image/webp", None) and readable_image("application/octet-stream", "a.jpeg")
    assert not readable_image("video/mp4", "clip.mp4") and not readable_image("application/pdf", "report.pdf")
    assert not readable_image(None, None) and not readable_image("image/gif", "a.gif")
    # HEIC only when the installed Pillow can read it (no codec is installed for it).
    assert readable_image("image/heic", "IMG_0002.HEIC") == ("HEIF" in Image.registered_extensions().values())


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ru", "Видео и файлы приходят как есть: с названием и скрытыми данными"),
        ("kk", "Бейнежазбалар мен файлдар өзгеріссіз жетеді: атауымен және"),
        ("en", "Videos and files arrive as they are: with their name and hidden data"),
    ],
)
def test_the_consent_screen_says_plainly_that_files_keep_their_name_and_hidden_data(content, language, said):
    text = content.tree.packs[language].screens["handoff"].text
    assert said in text
