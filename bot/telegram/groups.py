"""The handler groups, all in one place. PTB lets one handler per group take an update, so two features that
picked the same number silently shadow each other (it happened twice): every group is named here, once, and
`unique` makes a repeated number fail at import."""

from __future__ import annotations

from enum import IntEnum, unique


@unique
class Group(IntEnum):
    MOVE_PSEUDONYM = -10  # first of all: after a key rotation, her rows move to her new pseudonym
    DANGER_OBSERVER = -3  # the danger check drops its answers when she goes elsewhere; changes nothing in Telegram
    JOURNAL_OBSERVER = -2  # the journal sees every update (Exit, /forget lock it); changes nothing in Telegram
    TRACKING = -1  # the id of every message she sends, so Exit can delete it
    MAIN = 0  # commands, buttons, messages: one of them answers
    JOURNAL_WAITING = 50  # after every handler: whether the journal waits for her typing, noted in the database
