"""The effect pipeline end to end: rows written with the change, claimed once, retried with
capped backoff, stopped with a reason, exactly one message at Slack; SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.effects.errors import VendorError
from bot.effects.registry import deliverer
from bot.effects.worker import MAX_BACKOFF, EffectWorker
from storage import effects
from storage.models import Effect, Incident
from tests.commands.test_update import post_update
from tests.support import deliver_due, make_deps

UPDATE_TEXT = "Checkout is failing for EU customers."


def rows(deps: Any, kind: str | None = None) -> list[Effect]:
    with deps.sessions() as s:
        query = select(Effect).order_by(Effect.id)
        if kind:
            query = query.where(Effect.kind == kind)
        return list(s.scalars(query))


def incident_id(deps: Any) -> int:
    with deps.sessions() as s:
        return s.scalars(select(Incident.id).order_by(Incident.id.desc()).limit(1)).one()


def updates_in(slack: Any, channel_id: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages_in(channel_id) if UPDATE_TEXT in m.get("text", "")]


def enqueue_dms(deps: Any, users: list[str], *, per_user: int) -> list[int]:
    with deps.sessions.begin() as s:
        return [effects.enqueue(s, kind="slack.dm", incident_id=None, now=deps.now(), recipient_id=user,
                                payload={"text": f"Reminder {n} for {user}"})
                for user in users for n in range(per_user)]


def test_every_bot_message_names_its_effect_in_its_metadata(bot, slack, deps):
    channel = bot.declare()
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30))
    [posted] = updates_in(slack, channel.id)
    [row] = [r for r in rows(deps, "slack.post") if r.payload["channel"] == "incident"]
    assert posted["metadata"] == {"event_type": "incident_bot_effect", "event_payload": {"effect_id": row.id}}
    assert (row.outcome, row.result["ts"]) == ("sent", posted["ts"])
    # Slack shows metadata only to a reader who asks for it.
    history = deps.slack.call("conversations.history", channel=channel.id)["messages"]
    assert all("metadata" not in m for m in history)


def test_two_workers_deliver_each_effect_once(slack, deps, database_url):
    users = ["UALICE", "UBOB", "UCAROL"]
    ids = enqueue_dms(deps, users, per_user=8)
    replica = make_deps(slack, database_url, deps.clock)
    start = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def work(svc: Any, name: str) -> None:
        start.wait()
        outcomes[name] = EffectWorker(svc, name).drain()

    try:
        threads = [threading.Thread(target=work, args=(svc, name)) for svc, name in ((deps, "a"), (replica, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        replica.sessions.kw["bind"].dispose()

    for user in users:
        texts = [m["text"] for m in slack.dm_messages(user)]
        assert sorted(texts) == sorted(f"Reminder {n} for {user}" for n in range(8))
    done = rows(deps)
    assert [r.id for r in done] == ids and all(r.outcome == "sent" and r.claimed_by in ("a", "b") for r in done)
    assert outcomes["a"]["sent"] + outcomes["b"]["sent"] == len(ids)


def test_a_permanent_error_stops_the_effect_with_its_reason_logged_and_the_person_told(bot, slack, deps, caplog):
    channel = bot.declare()
    slack.channels[channel.id].is_archived = True
    caplog.set_level(logging.ERROR, logger="bot.effects.worker")

    post_update(bot, channel.id, deps.now() + timedelta(minutes=30))

    [in_channel] = [r for r in rows(deps, "slack.post") if r.payload["channel"] == "incident"]
    assert (in_channel.outcome, in_channel.error) == ("failed", "Slack: is_archived")
    assert any(f"effect {in_channel.id}" in r.getMessage() and "is_archived" in r.getMessage()
               for r in caplog.records)
    told = [m["text"] for m in slack.dm_messages("UREPORTER") if ":warning:" in m["text"]]
    assert len(told) == 1 and "Your update for HOT-1" in told[0] and "did not reach the incident channel: it is archived" in told[0]
    # Stopped is stopped: later rounds do not try it again.
    bot.clock.advance(minutes=10)
    assert bot.effects.drain()["failed"] == 0


def test_an_archived_incident_channel_does_not_stop_the_incidents_channel_post_or_the_dms(bot, slack, deps):
    channel = bot.declare()
    slack.channels[channel.id].is_archived = True
    # The same change also DMs two people (as a role change or a page would).
    incident = incident_id(deps)
    with deps.sessions.begin() as s:
        for user in ("UALICE", "UBOB"):
            effects.enqueue(s, kind="slack.dm", incident_id=incident, now=deps.now(),
                            recipient_id=user, payload={"text": "You are needed in HOT-1."})
        effects.enqueue(s, kind="slack.post", incident_id=incident, now=deps.now(),
                        ordering_key=effects.channel_key(incident),
                        payload={"channel": "incident", "text": "A second post in the archived channel"})

    post_update(bot, channel.id, deps.now() + timedelta(minutes=30))

    assert len(updates_in(slack, slack.incidents_channel_id)) == 1
    assert [m["text"] for m in slack.dm_messages("UALICE")] == ["You are needed in HOT-1."]
    assert [m["text"] for m in slack.dm_messages("UBOB")] == ["You are needed in HOT-1."]
    assert updates_in(slack, channel.id) == []


def test_a_429_storm_is_ridden_out_with_no_effect_lost_or_duplicated(bot, slack, deps):
    channel = bot.declare()
    # Slack answers every chat.postMessage with 429 and Retry-After 120 s, twelve times over.
    slack.rate_limit_next("chat.postMessage", retry_after=120, times=12)
    ids = enqueue_dms(deps, ["UALICE", "UBOB"], per_user=3)
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30))

    waits = []
    for _ in range(40):
        pending = [r for r in rows(deps) if r.sent_at is None]
        if not pending:
            break
        waits += [r.attempt_at - bot.clock() for r in pending]
        bot.clock.advance(MAX_BACKOFF)
        bot.deliver()
    assert all(r.outcome == "sent" for r in rows(deps))
    assert max(waits) <= MAX_BACKOFF, "Retry-After is honoured up to the 30 s cap"
    assert len(updates_in(slack, channel.id)) == 1 and len(updates_in(slack, slack.incidents_channel_id)) == 1
    for user in ("UALICE", "UBOB"):
        assert sorted(m["text"] for m in slack.dm_messages(user)) == [f"Reminder {n} for {user}" for n in range(3)]
    assert len(ids) == 6 and slack.rate_limited_count >= 12


def test_a_post_whose_answer_was_lost_is_found_in_history_not_posted_again(bot, slack, deps):
    channel = bot.declare()
    slack.lose_answer_next("chat.postMessage")
    bot.auto_deliver = False
    post_update(bot, channel.id, deps.now() + timedelta(minutes=30))
    assert bot.effects.drain()["retry"] == 1  # Slack posted it; the bot saw a 503

    bot.clock.advance(seconds=1)
    bot.deliver()
    [posted] = updates_in(slack, channel.id)
    [row] = [r for r in rows(deps, "slack.post") if r.payload["channel"] == "incident"]
    assert row.outcome == "sent" and row.result == {"channel": channel.id, "ts": posted["ts"], "found_in_history": True}
    history_reads = slack.calls_to("conversations.history")
    assert history_reads and history_reads[-1]["include_all_metadata"] in ("true", "1", True)


def test_effects_of_one_ordering_key_go_out_in_order_and_wait_for_each_other(bot, slack, deps):
    channel = bot.declare()
    incident = incident_id(deps)
    key = effects.channel_key(incident)
    with deps.sessions.begin() as s:
        for n in range(3):
            effects.enqueue(s, kind="slack.post", incident_id=incident, now=deps.now(),
                            ordering_key=key, payload={"channel": "incident", "text": f"Step {n}"})
        effects.enqueue(s, kind="slack.dm", incident_id=None, now=deps.now(), recipient_id="UALICE",
                        payload={"text": "Unrelated"})
    slack.server_error_next("chat.postMessage", status=502)  # the first step fails for a moment
    bot.deliver()
    steps = [m["text"] for m in slack.messages_in(channel.id) if m["text"].startswith("Step")]
    assert steps == [] and [m["text"] for m in slack.dm_messages("UALICE")] == ["Unrelated"]
    bot.clock.advance(seconds=1)
    bot.deliver()
    steps = [m["text"] for m in slack.messages_in(channel.id) if m["text"].startswith("Step")]
    assert steps == ["Step 0", "Step 1", "Step 2"]


def test_the_worker_thread_delivers_right_after_the_commit(slack, deps):
    worker = EffectWorker(deps, "thread").start()
    try:
        time.sleep(0.2)  # the first (empty) round is over; the worker sleeps up to its poll interval
        enqueue_dms(deps, ["UALICE"], per_user=1)
        deadline = time.monotonic() + 2  # far below the 5 s poll: only the commit's wake-up explains it
        while not slack.dm_messages("UALICE") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [m["text"] for m in slack.dm_messages("UALICE")] == ["Reminder 0 for UALICE"]
    finally:
        worker.stop()
    assert deliver_due(deps) == 0


def test_a_vendors_refusal_is_told_as_text_never_as_markup(bot, slack, deps):
    """The vendor's own words (an SMTP or Statuspage refusal may echo what someone typed) reach
    the person told as text: no broadcast, no disguised link."""
    with deps.sessions.begin() as s:
        effects.enqueue(s, kind="test_refused_echo", incident_id=None, now=deps.now(), tell="UALICE",
                        payload={"what": "The comms email"})
    bot.deliver()
    [told] = [m["text"] for m in slack.dm_messages("UALICE")]
    assert told == (":warning: The comms email did not reach Mail: Mail: 550 &lt;bob@example.com&gt; said "
                    "&lt;!channel&gt; see &lt;https://evil.example|docs&gt;.")


@deliverer("test_refused_echo")
def _refuse(effect, deps):
    raise VendorError("Mail", "550 <bob@example.com> said <!channel> see <https://evil.example|docs>", permanent=True)
