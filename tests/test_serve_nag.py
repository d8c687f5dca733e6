"""A real `incident-bot serve` process nags the IM (real seconds, short deadlines).

INITIAL_COMMS_DEADLINE=12s and REMINDER_LEAD=6s put the reminder 6 s after the
declaration, with SCHEDULER_TICK=1s. The test holds what does not depend on the machine's
load: the reminder comes, never early, to the IM alone; the IM then presses the DM's button,
and the update posted through the modal reaches both channels. How late the reminder comes is
a figure of bench/nag_lateness.py; exact timing is tests/scheduler/test_nags.py's, on the
injected clock.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.views.ids import Action, Callback
from storage.models import Incident, RoleAssignment
from tests.commands.test_update import update_values
from tests.fakeslack import signed
from tests.processes import bot_env, bot_process, wait_for, wait_healthy
from tests.support import SECRET, declare_values


def test_serve_dms_the_im_about_six_seconds_after_declaration_and_the_button_posts_an_update(slack, tmp_path):
    env = bot_env(slack, tmp_path, INITIAL_COMMS_DEADLINE="12s", REMINDER_LEAD="6s", SCHEDULER_TICK="1s")
    port = int(env["PORT"])
    engine = create_engine(env["DATABASE_URL"])
    try:
        with bot_process("serve", env, tmp_path / "serve.log"):
            wait_healthy(port)
            caller = signed.HttpCaller(f"http://127.0.0.1:{port}", SECRET, fake=slack)
            caller.command("declare Checkout is down", user_id="UREPORTER", channel_id=slack.general_channel_id)
            view = wait_for(lambda: slack.views_opened, what="the declare modal")[-1]
            assert caller.submit_view(view, declare_values("Checkout is down", severity=1),
                                      user_id="UREPORTER").status == 200
            channel = wait_for(lambda: slack.channel_by_name("hot-1"), what="#hot-1")

            # Alice takes the IM role (stored the way the role verb stores it).
            with Session(engine) as s, s.begin():
                incident = s.scalars(select(Incident)).one()
                declared_at = incident.declared_at
                s.add(RoleAssignment(incident_id=incident.id, role="incident-manager", user_id="UALICE",
                                     assigned_by="UALICE", assigned_at=declared_at))
                incident.status = "Fixing"

            def nag() -> dict | None:
                return next((m for m in slack.dm_messages("UALICE") if "Initial communications" in m["text"]), None)

            dm = wait_for(nag, timeout=60, what="the IM's reminder DM")
            after = float(dm["ts"]) - declared_at.timestamp()
            assert after >= 6.0, f"the reminder came {after:.1f}s after declaration, before its time (6 s)"
            assert "HOT-1" in dm["text"] and f"<#{channel.id}>" in json.dumps(dm["blocks"])
            assert not any("Initial communications" in m["text"] for m in slack.dm_messages("UREPORTER"))

            # The DM's button opens the update modal; the update reaches both channels.
            button = next(e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"])
            caller.action(Action.OPEN_UPDATE, button["value"], user_id="UALICE",
                          message=dm, channel_id=dm["channel"])
            modal = wait_for(lambda: [v for v in slack.views_opened if v["callback_id"] == Callback.UPDATE],
                             what="the update modal")[-1]
            promised = declared_at.replace(microsecond=0) + timedelta(minutes=30)  # the picker has no microseconds
            assert caller.submit_view(modal, update_values(promised), user_id="UALICE").status == 200
            title = "HOT-1 - Sev 1 - Checkout is down"
            wait_for(lambda: any(m["text"].startswith(title) for m in slack.messages_in(channel.id)),
                     what="the update in the incident channel")
            wait_for(lambda: any(m["text"].startswith(title) for m in slack.messages_in(slack.incidents_channel_id)),
                     what="the update in the incidents channel")
            # The deadline moved 30 minutes out: the next look is its reminder, 6 s before it.
            with Session(engine) as s:
                incident = s.scalars(select(Incident)).one()
                assert incident.next_update_due == promised
                assert incident.next_nag_at == promised - timedelta(seconds=6)
    finally:
        engine.dispose()
