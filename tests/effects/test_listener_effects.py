"""What listeners send is effects: written with the change, delivered right after the commit,
once at Slack whatever is lost on the way, one destination's failure never holding up another,
a permanent failure recorded and told to whoever acted. Signed requests, the strict fake
Slack, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.effects.worker import EffectWorker
from storage import effects
from storage.models import Incident
from tests.commands.test_postmortem import resolved  # noqa: F401 - a fixture
from tests.effects.test_pipeline import incident_id, rows

TL_LINE = ":busts_in_silhouette: <@UBOB> is now the tech lead (assigned by <@UREPORTER>)."


def texts(slack: Any, channel_id: str, needle: str) -> list[str]:
    return [m["text"] for m in slack.messages_in(channel_id) if needle in m.get("text", "")]


def warnings_to(slack: Any, user: str) -> list[str]:
    return [m["text"] for m in slack.dm_messages(user) if m["text"].startswith(":warning:")]


def test_a_role_change_is_written_as_effects_in_its_transaction_and_delivered_after_the_commit(bot, slack, deps):
    channel = bot.declare()
    bot.auto_deliver = False
    before = len(rows(deps))

    bot.command("role tl <@UBOB>", user="UREPORTER", channel=channel.id)

    # Committed with the change, nothing sent yet: Slack hears of it only from the worker.
    kinds = [r.kind for r in rows(deps)[before:] if r.kind.startswith("slack.")]
    assert kinds == ["slack.invite", "slack.topic", "slack.info_message", "slack.post", "slack.dm"]
    assert texts(slack, channel.id, "tech lead") == [] and slack.dm_messages("UBOB") == []
    bot.deliver()
    assert "UBOB" in channel.members
    assert texts(slack, channel.id, "tech lead") == [TL_LINE]
    assert "You are now the *tech lead* of *HOT-1*" in slack.dm_messages("UBOB")[0]["text"]
    assert all(r.outcome == "sent" for r in rows(deps)[before:] if r.kind.startswith("slack."))


def test_a_lost_answer_after_a_role_change_post_is_retried_and_posted_once(bot, slack, deps):
    channel = bot.declare()
    # Slack posts the channel line, but its answer never reaches the bot.
    slack.lose_answer_next("chat.postMessage", when=lambda args: args.get("channel") == channel.id)

    bot.command("role tl <@UBOB>", user="UREPORTER", channel=channel.id)

    [post] = [r for r in rows(deps, "slack.post") if r.payload.get("text") == TL_LINE]
    assert post.sent_at is None and post.error == "service_unavailable"
    assert texts(slack, channel.id, "is now the tech lead") == [TL_LINE]
    # The DM did not wait for the channel.
    assert len(slack.dm_messages("UBOB")) == 1
    bot.clock.advance(seconds=2)
    bot.deliver()
    assert texts(slack, channel.id, "is now the tech lead") == [TL_LINE]
    [post] = [r for r in rows(deps, "slack.post") if r.payload.get("text") == TL_LINE]
    assert post.outcome == "sent" and post.result["found_in_history"] is True and post.attempts == 2


def test_a_crash_after_a_role_change_post_reached_slack_is_finished_by_another_worker_without_a_second_post(
        bot, slack, deps):
    channel = bot.declare()
    bot.auto_deliver = False
    bot.command("role tl <@UBOB>", user="UREPORTER", channel=channel.id)
    bot.deliver()
    bot.command("role tl <@UCAROL>", user="UREPORTER", channel=channel.id)
    line = ":busts_in_silhouette: <@UCAROL> is now the tech lead (assigned by <@UREPORTER>)."
    # A worker claims the channel line, posts it, and dies before it can record anything.
    dead = EffectWorker(deps, "dead-worker")
    for effect in dead._claim(50):
        if effect.kind == "slack.invite":
            dead.deliver(effect)
    [claimed] = [e for e in dead._claim(50) if e.kind == "slack.post"]
    from bot.effects import registry
    registry.get("slack.post")(claimed, dead.delivering)
    assert texts(slack, channel.id, "<@UCAROL> is now") == [line]

    # Its claim goes stale; the next worker takes it over and finds the message in history.
    bot.clock.advance(deps.settings.effect_stale_claim + timedelta(seconds=1))
    bot.deliver()
    assert texts(slack, channel.id, "<@UCAROL> is now") == [line]
    [post] = [r for r in rows(deps, "slack.post") if r.payload.get("text") == line]
    assert (post.outcome, post.claimed_by, post.result["found_in_history"]) == ("sent", "test-worker", True)
    assert len(slack.dm_messages("UCAROL")) == 1


def test_an_archived_incident_channel_does_not_stop_the_dms_of_a_role_change(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UALICE", channel=channel.id)
    slack.channels[channel.id].is_archived = True

    bot.command("role im <@UBOB>", user="UALICE", channel=channel.id)

    assert "You are now the *incident manager* of *HOT-1*" in slack.dm_messages("UBOB")[-1]["text"]
    assert "You are no longer the incident manager of *HOT-1*" not in "".join(m["text"] for m in slack.dm_messages("UALICE"))
    assert texts(slack, channel.id, "<@UBOB> is now the incident manager") == []
    failed = {r.kind: r.error for r in rows(deps) if r.outcome == "failed"}
    assert failed["slack.invite"] == "Slack: is_archived" and failed["slack.post"] == "Slack: is_archived"
    told = warnings_to(slack, "UALICE")
    assert any("The incident manager change in HOT-1 did not reach the incident channel: it is archived" in t for t in told)


def test_an_archived_incident_channel_does_not_stop_the_incidents_channel_post_of_a_severity_change(
        bot, slack, deps):
    channel = bot.declare(severity=3)
    announced = len(slack.messages_in(slack.incidents_channel_id))
    slack.channels[channel.id].is_archived = True

    bot.command("severity 1", user="UREPORTER", channel=channel.id)

    assert len(slack.messages_in(slack.incidents_channel_id)) == announced + 1
    assert "Sev 1" in slack.messages_in(slack.incidents_channel_id)[-1]["text"]
    told = warnings_to(slack, "UREPORTER")
    assert len(told) == 1 and "The severity change of HOT-1 did not reach the incident channel: it is archived" in told[0]


def test_a_holder_who_cannot_be_reached_is_recorded_and_told_to_whoever_assigned_them(bot, slack, deps):
    channel = bot.declare()
    # Bob's account is gone by the time his welcome goes out.
    slack.fail_next("chat.postMessage", "user_not_found", when=lambda args: args.get("channel") == "UBOB")

    bot.command("role tl <@UBOB>", user="UREPORTER", channel=channel.id)

    [dm] = [r for r in rows(deps, "slack.dm") if r.recipient_id == "UBOB"]
    assert (dm.outcome, dm.error) == ("failed", "Slack: user_not_found")
    assert texts(slack, channel.id, "is now the tech lead") == [TL_LINE]
    told = warnings_to(slack, "UREPORTER")
    assert told == [":warning: The tech lead welcome to <@UBOB> did not reach Slack: Slack: user_not_found."]
    # Stopped is stopped.
    bot.clock.advance(minutes=10)
    assert bot.effects.drain()["failed"] == 0


def test_a_channel_slack_cannot_find_is_recorded_and_told_to_whoever_changed_the_severity(bot, slack, deps):
    channel = bot.declare()
    slack.fail_next("chat.postMessage", "channel_not_found", when=lambda args: args.get("channel") == channel.id)

    bot.command("severity 1", user="UREPORTER", channel=channel.id)

    [post] = [r for r in rows(deps, "slack.post") if r.payload.get("channel") == "incident"
              and "Sev 1" in r.payload.get("text", "")]
    assert (post.outcome, post.error) == ("failed", "Slack: channel_not_found")
    assert warnings_to(slack, "UREPORTER") == [
        ":warning: The severity change of HOT-1 did not reach Slack: Slack: channel_not_found."]


def test_a_handover_goes_out_as_effects_in_order_with_both_people_told(bot, slack, deps):
    channel = bot.declare()
    bot.command("role im me", user="UALICE", channel=channel.id)
    bot.auto_deliver = False
    before = len(rows(deps))
    bot.command("handover <@UBOB>", user="UALICE", channel=channel.id)
    new = rows(deps)[before:]
    assert [r.kind for r in new if r.kind.startswith("slack.")] == [
        "slack.invite", "slack.topic", "slack.info_message", "slack.post", "slack.dm", "slack.dm"]
    assert {r.ordering_key for r in new if r.kind in ("slack.invite", "slack.post")} == {
        effects.channel_key(incident_id(deps))}
    bot.deliver()
    assert "UBOB" in channel.members
    assert len(slack.dm_messages("UBOB")) == 1 and any("HOT-1" in m["text"] for m in slack.dm_messages("UALICE"))


def test_a_lost_answer_to_sharing_the_postmortem_export_leaves_one_file_in_the_channel(bot, slack, deps, resolved):
    slack.lose_answer_next("files.completeUploadExternal")

    bot.command("postmortem export", user="UBOB", channel=resolved.id)

    # The bytes were sent and shared; the bot did not hear so, and tries the share again.
    assert len(slack.files) == 1
    bot.clock.advance(seconds=2)
    bot.deliver()
    [upload] = slack.files
    assert upload["channel_id"] == resolved.id and upload["filename"] == "HOT-1-postmortem.md"
    assert "- Owner: @incident-manager" in upload["content"].decode()
    assert len([m for m in slack.messages_in(resolved.id) if m.get("files")]) == 1
    [share] = rows(deps, "slack.share_file")
    assert (share.outcome, share.attempts, share.result["found_in_history"]) == ("sent", 2, True)
    # No file content is kept in the effects table: it is rendered when it is delivered.
    [rendered] = rows(deps, "slack.upload")
    assert rendered.payload["render"] == "postmortem" and "Owner" not in str(rendered.payload)


def test_an_export_the_channel_refuses_is_recorded_and_told_to_whoever_asked(bot, slack, deps, resolved):
    slack.fail_next("files.completeUploadExternal", "channel_not_found")

    bot.command("postmortem export", user="UBOB", channel=resolved.id)

    [share] = rows(deps, "slack.share_file")
    assert (share.outcome, share.error) == ("failed", "Slack: channel_not_found")
    assert slack.files == []
    assert warnings_to(slack, "UBOB") == [
        ":warning: The postmortem export of HOT-1 did not reach Slack: Slack: channel_not_found."]


def test_a_lost_answer_to_adding_a_link_bookmark_leaves_one_bookmark(bot, slack, deps):
    channel = bot.declare()
    slack.lose_answer_next("bookmarks.add")

    bot.command("link video https://meet.example.com/hot-1", user="UREPORTER", channel=channel.id)
    bot.clock.advance(seconds=2)
    bot.deliver()

    assert [(b["title"], b["link"]) for b in channel.bookmarks] == [("Video call", "https://meet.example.com/hot-1")]
    with deps.sessions() as s:
        assert s.scalars(select(Incident)).one().bookmark_ids == {"video": channel.bookmarks[0]["id"]}
    # Set again: the recorded bookmark is edited, not a second one added.
    bot.command("link video https://meet.example.com/hot-1-b", user="UREPORTER", channel=channel.id)
    assert [b["link"] for b in channel.bookmarks] == ["https://meet.example.com/hot-1-b"]


def test_a_note_whose_post_lost_its_answer_is_posted_once_and_its_entry_points_at_it(bot, slack, deps):
    channel = bot.declare()
    slack.lose_answer_next("chat.postMessage", when=lambda args: args.get("channel") == channel.id)

    bot.command("note Rolled back the deploy", user="UALICE", channel=channel.id)
    bot.clock.advance(seconds=2)
    bot.deliver()

    [posted] = [m for m in slack.messages_in(channel.id) if "Rolled back the deploy" in m.get("text", "")]
    from storage.models import TimelineEntry
    with deps.sessions() as s:
        [entry] = s.scalars(select(TimelineEntry).where(TimelineEntry.text == "Rolled back the deploy")).all()
        assert (entry.message_ts, entry.actor_id) == (posted["ts"], "UALICE")
        assert entry.permalink and entry.permalink.endswith(f"/p{posted['ts'].replace('.', '')}")


def test_an_alert_card_whose_answer_was_lost_is_posted_once_and_then_edited(slack, database_url, clock):
    from tests.webhooks.test_alertmanager import LABELS, TOKEN, cards, notify
    from bot.settings import Service, TeamConfig
    from tests.support import Bot, make_deps

    deps = make_deps(slack, database_url, clock, team=TeamConfig(services=(Service("payments-api"),)),
                             alertmanager_webhook_token=TOKEN)
    bot = Bot.build(deps, slack)
    try:
        slack.lose_answer_next("chat.postMessage")
        assert notify(bot).status == 200
        assert len(cards(slack)) == 1
        bot.clock.advance(seconds=2)
        bot.deliver()
        assert notify(bot, status="resolved").status == 200
        [card] = cards(slack)
        assert "Alert resolved" in card["text"] and LABELS["alertname"]
        assert [r.outcome for r in rows(deps, "alert.show_card")] == ["sent", "sent"]
    finally:
        bot.executor.shutdown(wait=True)
        deps.sessions.kw["bind"].dispose()


def test_an_approver_who_cannot_be_reached_is_told_to_the_requester_and_the_other_approver_still_asked(
        bot, slack, deps, resolved):
    bot.command("action priority prevent-future Fix the connection pool leak", user="UALICE", channel=resolved.id)
    bot.command("postmortem approvers <@UBOB> <@UCAROL>", user="UALICE", channel=resolved.id)
    slack.fail_next("chat.postMessage", "user_not_found", when=lambda args: args.get("channel") == "UBOB")

    bot.command("postmortem request-approval", user="UALICE", channel=resolved.id)

    assert "asks you to approve the postmortem of HOT-1" in slack.dm_messages("UCAROL")[-1]["text"]
    assert texts(slack, resolved.id, "postmortem is in review") != []
    assert warnings_to(slack, "UALICE") == [
        ":warning: The HOT-1 postmortem approval request to <@UBOB> did not reach Slack: Slack: user_not_found."]


def test_a_review_reaches_the_owner_even_when_the_incident_channel_is_archived(bot, slack, deps, resolved):
    from bot.views.ids import Action
    bot.command("action priority prevent-future Fix the connection pool leak", user="UALICE", channel=resolved.id)
    bot.command("postmortem approvers <@UBOB>", user="UALICE", channel=resolved.id)
    bot.command("postmortem request-approval", user="UALICE", channel=resolved.id)
    request = slack.dm_messages("UBOB")[-1]
    slack.channels[resolved.id].is_archived = True
    with deps.sessions() as s:
        from storage.models import Postmortem
        pm_id = s.scalars(select(Postmortem.id)).one()

    bot.action(Action.POSTMORTEM_APPROVE, str(pm_id), user="UBOB", message=request)

    assert "Postmortem approved by <@UBOB>" in slack.dm_messages("UALICE")[-1]["text"]
    # The approver's own message lost its buttons; the archived channel's line is recorded, nobody bothered.
    assert "actions" not in [b["type"] for b in slack.dm_messages("UBOB")[-1].get("blocks") or []]
    [line] = [r for r in rows(deps, "slack.post") if "Postmortem approved" in r.payload.get("text", "")]
    assert (line.outcome, line.error, line.tell) == ("failed", "Slack: is_archived", None)
    assert warnings_to(slack, "UBOB") == []


def test_an_archived_incident_channel_does_not_stop_the_incidents_channel_hearing_of_a_new_summary(
        slack, database_url, clock):
    from tests.commands.test_edit import edit_values, team_bot
    from bot.views.ids import Callback
    bot = team_bot(slack, database_url, clock)
    try:
        channel = bot.declare("Checkout slow")
        bot.command("role im me", user="UALICE", channel=channel.id)
        bot.command("edit", user="UALICE", channel=channel.id)
        slack.channels[channel.id].is_archived = True
        bot.submit(bot.last_view(Callback.EDIT), edit_values(summary="Checkout fails for all customers"),
                   user="UALICE")
        assert "Checkout fails for all customers" in slack.messages_in(slack.incidents_channel_id)[-1]["text"]
        assert warnings_to(slack, "UALICE") == [
            ":warning: The edit of HOT-1 did not reach the incident channel: it is archived. The rest of the change "
            "went out; unarchive the channel to post there again."]
    finally:
        bot.executor.shutdown(wait=True)
        bot.deps.sessions.kw["bind"].dispose()


def test_an_action_owner_who_cannot_be_reached_is_told_to_whoever_added_it(bot, slack, deps):
    channel = bot.declare()
    slack.fail_next("chat.postMessage", "account_inactive", when=lambda args: args.get("channel") == "UBOB")

    bot.command("action improvement Add an alert on pool exhaustion <@UBOB>", user="UREPORTER", channel=channel.id)

    assert texts(slack, channel.id, "Add an alert on pool exhaustion") != []
    [told] = warnings_to(slack, "UREPORTER")
    assert "that they own action #1 did not reach Slack: Slack: account_inactive" in told


def test_a_reopen_whose_post_lost_its_answer_is_posted_once(bot, slack, deps, resolved):
    slack.lose_answer_next("chat.postMessage", when=lambda args: args.get("channel") == resolved.id)

    bot.command("reopen", user="UALICE", channel=resolved.id)
    bot.clock.advance(seconds=2)
    bot.deliver()

    assert len(texts(slack, resolved.id, "reopened HOT-1")) == 1
    assert "| Fixing |" in slack.channels[resolved.id].topic


def test_a_timeline_acknowledgement_is_an_effect_of_the_entry_and_rides_out_a_429(bot, slack, deps):
    from tests.commands.test_timeline import declare_with_team, react, say, unreact
    channel = declare_with_team(bot, slack)
    message = say(slack, channel.id, "UALICE", "Error rate on payments-api is 40%")
    slack.rate_limit_next("reactions.add", retry_after=20)

    react(bot, slack, channel.id, message, "mag", "UBOB")

    [ack] = rows(deps, "slack.react")
    assert (ack.sent_at, ack.error, ack.payload["emoji"]) == (None, "ratelimited", "white_check_mark")
    bot.clock.advance(seconds=20)
    bot.deliver()
    acked = next(m for m in slack.messages_in(channel.id) if m["ts"] == message["ts"])
    assert {"name": "white_check_mark", "users": ["UBOT"], "count": 1} in acked["reactions"]
    # Taken back with the last emoji, after it (one ordering key per message).
    unreact(bot, slack, channel.id, message, "mag", "UBOB")
    assert [r.kind for r in rows(deps) if r.kind in ("slack.react", "slack.unreact")] == ["slack.react", "slack.unreact"]
    acked = next(m for m in slack.messages_in(channel.id) if m["ts"] == message["ts"])
    assert not any(r["name"] == "white_check_mark" for r in acked.get("reactions") or [])


def test_an_export_for_an_archived_incident_channel_stops_without_asking_slack_and_says_so(
        bot, slack, deps, resolved):
    from storage import incidents as incident_store
    with deps.sessions.begin() as s:
        incident_store.mark_channel_archived(s, incident_id(deps), now=deps.now())
    slack.reset_calls()

    bot.command("postmortem export", user="UBOB", channel=resolved.id)

    [upload] = rows(deps, "slack.upload")
    assert (upload.outcome, upload.error) == ("failed", "Slack: is_archived")
    assert slack.calls_to("files.getUploadURLExternal") == [] and slack.files == []
    assert warnings_to(slack, "UBOB") == [
        ":warning: The postmortem export of HOT-1 did not reach the incident channel: it is archived. Unarchive "
        "the channel and ask again."]


def test_a_note_for_an_archived_incident_channel_stays_on_the_timeline_and_its_author_is_told(bot, slack, deps):
    from storage import incidents as incident_store
    from storage.models import TimelineEntry
    channel = bot.declare()
    with deps.sessions.begin() as s:
        incident_store.mark_channel_archived(s, incident_id(deps), now=deps.now())

    bot.command("note Rolled back the deploy", user="UALICE", channel=channel.id)

    assert texts(slack, channel.id, "Rolled back the deploy") == []
    with deps.sessions() as s:
        [entry] = s.scalars(select(TimelineEntry).where(TimelineEntry.text == "Rolled back the deploy")).all()
        assert entry.message_ts is None
    [told] = warnings_to(slack, "UALICE")
    assert told.startswith(":warning: Your note did not reach the incident channel: it is archived.")
