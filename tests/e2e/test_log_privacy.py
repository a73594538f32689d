"""End to end, the real bot process at BOT_LOG_LEVEL=DEBUG: what she types on the paths that log something —
an answer Telegram refused, a PIN deleted after a restart — never appears in the process's log."""

from __future__ import annotations

import secrets

from bot.simulator import Fault
from tests.support.process import START_TIMEOUT, stop


async def test_her_words_and_her_pin_stay_out_of_the_process_log(sim, start_bot, bot_log):
    words = "he threatened my mother " + secrets.token_hex(6)
    pin = "lotus-" + secrets.token_hex(6)
    she = sim.add_user(first_name="Dana", language_code="en")
    process = await start_bot()  # start_bot runs it at DEBUG
    await she.send_text("/menu")
    await she.wait_reply(timeout=START_TIMEOUT)

    # Telegram refuses the bot's answer to what she wrote: the error handler runs.
    sim.faults.add(Fault(method="sendMessage", status=400))
    await she.send_text(words)
    assert "something went wrong" in (await she.wait_reply()).text

    # She asks for a PIN; the bot restarts before she types it.
    await she.send_text("/journal")
    await she.wait_reply()
    await she.press("Set a PIN")
    assert "PIN" in (await she.wait_reply()).text
    assert await stop(process) == 0

    process = await start_bot()
    typed = await she.send_text(pin)
    assert "lost your place in the journal" in (await she.wait_reply(timeout=START_TIMEOUT)).text
    await sim.wait_until(lambda: typed.message_id not in [m.message_id for m in she.messages], timeout=10)
    assert await stop(process) == 0

    text = bot_log.read_text(encoding="utf-8")
    assert "update failed" in text and "error=BadRequest" in text  # both paths were taken, and logged
    assert "journal input after a restart deleted" in text
    for secret in (words, words.split()[-1], pin):
        assert secret not in text
