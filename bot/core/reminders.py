"""The two rules every reminder (every effect with a due time) follows.

- Late: delivered more than `late_after` past its due time (the bot was down, or Slack was):
  the message says it is late. A couple of ticks, never less than a minute.
- No burst after downtime: of several due reminders of one incident, kind and recipient,
  only the newest is sent; the older ones are skipped as superseded (the worker asks
  storage.effects.newer_due).
"""

from __future__ import annotations

from datetime import datetime, timedelta

MIN_LATE_AFTER = timedelta(minutes=1)


def late_after(tick: timedelta) -> timedelta:
    return max(2 * tick, MIN_LATE_AFTER)


def is_late(due_at: datetime, now: datetime, tick: timedelta) -> bool:
    return now - due_at > late_after(tick)
