"""Uploads, file_ids, getFile and downloads, media groups and captions."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from telegram import Bot, InputFile, InputMediaPhoto
from telegram.error import BadRequest

from bot.simulator import Simulator, SimUser, make_png

Description = Callable[[str], str]


async def test_bot_uploads_then_downloads_byte_for_byte(bot: Bot, user: SimUser, sim: Simulator) -> None:
    png = make_png(640, 480)
    photo = await bot.send_photo(user.chat_id, png, caption="<i>map</i>", parse_mode="HTML", protect_content=True)
    assert photo.photo[-1].width == 640 and photo.photo[-1].height == 480 and len(photo.photo) == 2
    assert photo.caption == "map" and photo.caption_entities[0].type == "italic"
    assert sim.calls_to("sendPhoto")[-1].content_type == "multipart/form-data"

    pdf = b"%PDF-1.4 rights leaflet \x00\x01\x02" * 100
    doc = await bot.send_document(user.chat_id, InputFile(io.BytesIO(pdf), filename="rights.pdf"))
    assert doc.document.file_name == "rights.pdf" and doc.document.mime_type == "application/pdf"
    assert doc.document.file_size == len(pdf)

    for file_id, original in ((photo.photo[-1].file_id, png), (doc.document.file_id, pdf)):
        telegram_file = await bot.get_file(file_id)
        assert telegram_file.file_path.startswith(sim.file_base_url)
        assert bytes(await telegram_file.download_as_bytearray()) == original

    seen = [m for m in user.bot_messages() if m.media]
    assert [m.media for m in seen] == ["photo", "document"] and seen[0].protect_content
    assert seen[0].html == "<i>map</i>"


async def test_user_uploads_reach_the_bot(bot: Bot, user: SimUser) -> None:
    png = make_png(100, 50)
    await user.send_photo(png, caption="evidence")
    await user.send_document(b"secret notes", filename="notes.txt")
    await user.send_voice(b"OggS fake opus", duration=3)
    updates = await bot.get_updates(timeout=1)
    photo, document, voice = (u.message for u in updates)
    assert photo.caption == "evidence" and photo.photo[-1].width == 100
    assert document.document.mime_type == "text/plain" and voice.voice.to_dict()["duration"] == 3
    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png
    # A received file_id can be sent on, also as part of an album.
    again = await bot.send_photo(user.chat_id, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id


async def test_getfile_refuses_files_over_20_mb(bot: Bot, user: SimUser, description: Description) -> None:
    await user.send_document(b"\x00" * (20 * 1024 * 1024 + 1), filename="video.bin")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message.document.file_size == 20 * 1024 * 1024 + 1
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(update.message.document.file_id)
    assert description("getFile") == "Bad Request: file is too big"


async def test_upload_errors(bot: Bot, user: SimUser, description: Description) -> None:
    with pytest.raises(BadRequest):
        await bot.send_photo(user.chat_id, b"this is not an image")
    assert description("sendPhoto") == "Bad Request: IMAGE_PROCESS_FAILED"
    with pytest.raises(BadRequest):
        await bot.send_photo(user.chat_id, "no-such-file-id")
    assert description("sendPhoto") == "Bad Request: wrong file identifier/HTTP URL specified"
    doc = await bot.send_document(user.chat_id, InputFile(b"abc", filename="a.txt"))
    with pytest.raises(BadRequest):
        await bot.send_photo(user.chat_id, doc.document.file_id)
    assert description("sendPhoto") == "Bad Request: type of file mismatch"
    with pytest.raises(BadRequest):
        await bot.send_photo(user.chat_id, make_png(), caption="x" * 1025)
    assert description("sendPhoto") == "Bad Request: message caption is too long"


async def test_media_group(bot: Bot, user: SimUser) -> None:
    media = [InputMediaPhoto(make_png(10, 10), caption="one"), InputMediaPhoto(make_png(20, 20))]
    messages = await bot.send_media_group(user.chat_id, media)
    assert len(messages) == 2 and messages[0].media_group_id == messages[1].media_group_id
    assert messages[0].caption == "one" and messages[1].photo[-1].width == 20
    with pytest.raises(BadRequest):
        await bot.send_media_group(user.chat_id, [InputMediaPhoto(make_png())])


async def test_edit_caption(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_photo(user.chat_id, make_png(), caption="before")
    edited = await bot.edit_message_caption(user.chat_id, sent.message_id, caption="<b>after</b>", parse_mode="HTML")
    assert edited.caption == "after"
    seen = next(m for m in user.bot_messages() if m.message_id == sent.message_id)
    assert seen.html == "<b>after</b>" and seen.edit_date is not None
    text = await bot.send_message(user.chat_id, "plain")
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(user.chat_id, text.message_id, caption="x")
