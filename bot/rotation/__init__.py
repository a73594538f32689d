"""Rotating BOT_SECRET_KEY (`python -m bot keys rotate | status | finish`), and moving people to the new key.

    legacy.py   the previous key's subkeys a rotation keeps, sealed under the new key (never the key itself)
    rotate.py   the command: re-seal every sealed value and re-wrap server-wrapped journal keys, in resumable
                batches; status; finish
    moves.py    a person who writes after a rotation: her rows move from her old pseudonym to her new one

What waits for a person (her pseudonym, her PIN-wrapped journal key) moves when she comes back; README
("Keys") says how long to keep the rotation open and what `finish` deletes.
"""
