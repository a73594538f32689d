"""`python -m bot demo`, as a person would use it: numbers to press buttons, in Kazakh by default."""

from __future__ import annotations

import subprocess
import sys

from tests.support.process import environment_without_bot_settings


def test_demo_reaches_the_danger_first_screen_in_kazakh(tmp_path):
    env = environment_without_bot_settings()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input="1\n/quit\n",  # [1] "No, I am in danger"
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # nothing is written here: the demo keeps its data in a temporary folder
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Қазір сіз қауіпсізсіз бе?" in out
    assert "[1] Жоқ, маған қауіп төніп тұр" in out
    assert "[3] Қазақша   [4] Русский   [5] English" in out
    assert "Сізге қауіп төніп тұрса, дәл қазір қоңырау шалыңыз." in out
    assert "• 102 — полиция, тәулік бойы" in out
    assert "[1] Сенім телефондары" in out
    assert list(tmp_path.iterdir()) == []


def test_demo_explains_a_button_number_that_does_not_exist(tmp_path):
    env = environment_without_bot_settings()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--language", "en"],
        input="9\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Hello." in result.stdout
    assert "There is no button 9. Choose 1 to 7, or type a message." in result.stdout


def test_demo_tour_walks_through_every_section(tmp_path):
    env = environment_without_bot_settings()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--tour"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for section in (
        "Бұл зорлық-зомбылық па?",
        "Заң бойынша құқықтарым",
        "Полиция: не күтуге болады",
        "Болған жағдайды қалай жазу керек",
        "Қауіпсіздік жоспары",
        "Көмекті қайдан алуға болады",
        "Туыстар мен куәгерлерге",
        "Телефон қауіпсіздігі",
    ):
        assert f"=== {section} ===" in out
    assert "(the bot did not answer in time)" not in out
    assert out.count("✖ Шығу") >= 8  # Exit on every screen shown
    # Then journal → statement → PDF: the entry chosen, three taps to both files.
    after_choosing = out.split("> [Әрі қарай: құжат »]", 1)[1]
    taps = [line for line in after_choosing.splitlines() if line.startswith("> [")]
    assert taps == ["> [Полицияға арыз]", "> [Барлығын бос қалдыру »]", "> [📄 PDF және DOCX жасау]"]
    assert "📎 draft-" in after_choosing and ".pdf" in after_choosing and ".docx" in after_choosing
    assert "(no button" not in out


def test_demo_shows_both_sides_of_a_case(tmp_path):
    env = environment_without_bot_settings()
    steps = [
        "2",  # "Yes, I am safe for now" -> the menu
        "1",  # 💬 Talk to a person
        "1",  # Yes, continue
        "2",  # safe right now? No
        "1",  # help: legal
        "1",  # when: any time
        "2",  # her region: Almaty (city), so the Almaty crisis centre answers
        "Мен қорқамын",
        "/advocate Здравствуйте! Я консультант.",
        "1",  # Show
        "/advocate /transfer national",  # its coordinator moves the case to the national line
        "/advocate Это национальная линия.",
        "1",  # Show
        "/quit",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input="\n".join(steps) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Өтінішіңіз ашылды." in out and "Сізге жауап беретін ұйым: Almaty crisis centre." in out
    assert "┆ Almaty crisis centre · topic 1: Мен қорқамын" in out  # what the advocates see
    assert "В безопасности: Нет · Помощь: Юридическая" in out and "Регион: Алматы" in out
    assert "Сізге жаңа хабарлама келді." in out  # discreet: a neutral notice first
    assert "\nЗдравствуйте! Я консультант." in out
    # The transfer: the national line's topic gets the conversation, in order; its advocate answers her.
    moved = out.index("┆ National line · topic 1: Обращение передано сюда из: Almaty crisis centre.")
    assert out.index("┆ National line · topic 1: Мен қорқамын", moved) < out.index(
        "┆ National line · topic 1: Здравствуйте! Я консультант.", moved
    )
    assert out.rstrip().endswith("Bye.") and "\nЭто национальная линия." in out
    assert "(the bot did not answer in time)" not in out
