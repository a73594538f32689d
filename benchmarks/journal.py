"""Journal timings on this machine: unlocking with a PIN, saving an entry, exporting 100 entries with 20 photos.

    .venv/bin/python benchmarks/journal.py [--entries 100] [--photos 20] [--runs 5]

Uses the real Argon2id parameters (the defaults of bot.journal.keys) and a temporary data folder, deleted
afterwards. Prints figures only: timings are measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from PIL import Image

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.journal.keys import DEFAULT_ARGON2
from bot.journal.model import AttachmentKind, ChildrenPresent, EntryFields, NewAttachment
from bot.journal.service import JournalService
from bot.privacy import Pseudonymizer
from bot.storage.database import Database

SECRET = os.urandom(32).hex().encode()
PIN = "482916"
TEXT = (
    "Он пришёл домой поздно, кричал, толкнул меня к стене и ударил по руке. Дети были в соседней комнате. "
    "Ол түнде келіп, айқайлап, мені қабырғаға итеріп жіберді. "
) * 3


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{model}; {os.cpu_count()} logical CPUs ({usable} usable); {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def photo(seed: int) -> bytes:
    """A 1280×960 JPEG of noise: about the size and entropy of a phone photo sent through Telegram."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (320, 240), rng.randbytes(320 * 240 * 3)).resize((1280, 960))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def fields(number: int) -> EntryFields:
    return EntryFields(
        occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=number % 300),
        occurred_time=dt.time(number % 24, 15),
        place="дома, на кухне",
        what_happened=f"#{number}. {TEXT}",
        injuries="синяк на левой руке, ссадина на лбу",
        witnesses="соседка из 12-й квартиры",
        children_present=ChildrenPresent.YES,
        police="КУИ 2026-04-12, сержант Абенов",
        medical_visit="травмпункт, справка",
    )


async def timed(action: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return times


def show(label: str, times: list[float]) -> None:
    median = statistics.median(times)
    print(f"  {label:<44} median {median * 1000:8.1f} ms   min {min(times) * 1000:8.1f}   max {max(times) * 1000:8.1f}")


async def main(entries: int, photos: int, runs: int) -> None:
    print(f"Machine: {machine()}")
    print(f"Data folder: {tempfile.gettempdir()} (a temporary folder; fsync cost depends on its file system)")
    params = DEFAULT_ARGON2
    print(
        f"Argon2id: time_cost={params.time_cost}, memory={params.memory_cost_kib // 1024} MiB, p={params.parallelism}"
    )
    content = ContentStore.load(DEFAULT_CONTENT_DIR, UI_KEYS)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        database = await Database.open(data_dir / "bot.sqlite3")
        try:
            journal = JournalService(database, data_dir, SECRET)
            user = Pseudonymizer(SECRET).user_key(123456789)
            await journal.create(user, PIN)

            async def unlock() -> None:
                journal.lock(user)
                await journal.unlock(user, PIN)

            show("unlock with a PIN", await timed(unlock, runs))

            counter = iter(range(10**6))
            show("save an entry (text only)", await timed(lambda: journal.add_entry(user, fields(next(counter))), runs))
            pictures = [photo(seed) for seed in range(photos)]
            print(
                f"  photos: {photos} JPEGs of 1280×960, {sum(map(len, pictures)) // photos // 1024} KB each on average"
            )
            show(
                "save an entry with one photo",
                await timed(
                    lambda: journal.add_entry(
                        user, fields(next(counter)), [NewAttachment(pictures[0], AttachmentKind.PHOTO, "p.jpg")]
                    ),
                    runs,
                ),
            )

            # Build the export journal: exactly `entries` entries, `photos` of them with one photo each.
            await journal.delete_all(user)
            await journal.create(user, PIN)
            for number in range(entries):
                attached = []
                if number < photos:
                    attached.append(NewAttachment(pictures[number], AttachmentKind.PHOTO, f"photo-{number}.jpg"))
                await journal.add_entry(user, fields(number), attached)
            ui = content.ui("ru")
            sizes: list[int] = []

            async def export_pdf() -> None:
                sizes.append(len(await journal.export_pdf(user, ui)))

            show(f"export PDF: {entries} entries, {photos} photos", await timed(export_pdf, max(1, runs // 2)))
            print(f"  PDF size: {sizes[-1] / 1024 / 1024:.1f} MB")
            show(f"export text: {entries} entries", await timed(lambda: journal.export_text(user, ui), runs))
            show(f"verify the chain ({entries} links, files too)", await timed(lambda: journal.verify(user), runs))
        finally:
            await database.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.entries, arguments.photos, arguments.runs))
