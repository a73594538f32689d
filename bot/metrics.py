"""The bot's Prometheus metrics: counts, times and backlogs, never a person.

Every label value comes from a short fixed list written here (an update's kind, a failure's reason) or is the
name of an exception class; no label ever holds a person, a chat, a case, a text or an id. The metrics live in
a registry of their own (not prometheus-client's global one), so two bots in one process (the tests) and the
libraries' own collectors never mix in. The gauges read from the database are set just before each scrape
(bot/monitor.py); the counters are counted where things happen.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# No `*_created` series: they would tell the time of the first wrong PIN (or the first of any label) since the
# start, a moment a survivor acted; counts scraped now and then are all monitoring needs. (A process-wide switch
# of prometheus-client; nothing else in the process uses it.)
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus-client 0.26

UPDATE_KINDS = ("message", "edited_message", "callback_query")
OTHER_KIND = "other"
UNLOCK_FAILURES = ("wrong_pin", "locked_out")
WEBHOOK_OUTCOMES = ("accepted", "repeated", "forbidden", "malformed")
WIPE_KINDS = ("chat", "export")  # a conversation's automatic wipe; an exported journal's deletion
# From a tap answered at once to a PDF export of a long journal.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.updates = Counter("bot_updates", "Updates handled, by kind.", ["kind"], registry=registry)
        self.handler_errors = Counter(
            "bot_handler_errors", "Errors in handlers, by exception type.", ["error"], registry=registry
        )
        self.handling_seconds = Histogram(
            "bot_update_handling_seconds",
            "From the bot having an update (fetched or received) to the end of its handling, in seconds; "
            "includes waiting behind the same chat's earlier updates.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.unlock_failures = Counter(
            "bot_journal_unlock_failures", "Wrong journal PINs and lockouts, by reason.", ["reason"], registry=registry
        )
        self.webhook_requests = Counter(
            "bot_webhook_requests", "Requests to the webhook, by outcome.", ["outcome"], registry=registry
        )
        self.outbox_pending = Gauge(
            "bot_outbox_pending", "Relayed messages waiting to be sent (the outbox's depth).", registry=registry
        )
        self.outbox_oldest_seconds = Gauge(
            "bot_outbox_oldest_pending_seconds", "Age of the oldest relayed message still waiting.", registry=registry
        )
        self.wipe_backlog = Gauge(
            "bot_wipe_backlog", "Wipes and deletions that are due and not done yet, by kind.", ["kind"],
            registry=registry,
        )  # fmt: skip
        self.inbox_pending = Gauge(
            "bot_inbox_pending", "Updates received by webhook and not handled yet.", registry=registry
        )
        self.contact_age_seconds = Gauge(
            "bot_telegram_contact_age_seconds",
            "Seconds since the bot last heard from the Bot API (a poll, a webhook update or a webhook check).",
            registry=registry,
        )
        for kind in (*UPDATE_KINDS, OTHER_KIND):
            self.updates.labels(kind)
        for reason in UNLOCK_FAILURES:
            self.unlock_failures.labels(reason)
        for outcome in WEBHOOK_OUTCOMES:
            self.webhook_requests.labels(outcome)
        for wipe in WIPE_KINDS:
            self.wipe_backlog.labels(wipe)
        self._last_contact: float | None = None

    def contact(self) -> None:
        """The Bot API answered (or Telegram posted an update): the bot is in touch."""
        self._last_contact = time.monotonic()

    def contact_age(self) -> float | None:
        return None if self._last_contact is None else time.monotonic() - self._last_contact

    def handled(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind if kind in UPDATE_KINDS else OTHER_KIND).inc()
        self.handling_seconds.observe(seconds)

    def handler_failed(self, error: BaseException | None) -> None:
        self.handler_errors.labels(type(error).__name__ if error is not None else "None").inc()

    def unlock_failed(self, reason: str) -> None:
        assert reason in UNLOCK_FAILURES, reason
        self.unlock_failures.labels(reason).inc()

    def webhook_request(self, outcome: str) -> None:
        assert outcome in WEBHOOK_OUTCOMES, outcome
        self.webhook_requests.labels(outcome).inc()

    def render(self) -> bytes:
        age = self.contact_age()
        self.contact_age_seconds.set(-1 if age is None else age)
        return generate_latest(self.registry)
