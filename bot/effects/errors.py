"""The one exception type every vendor edge raises, and the one list of "cannot reach".

A vendor edge (bot/slack_edge.py, and one module per vendor) turns the vendor's errors into
`VendorError`; the effect worker reads only `permanent` and `retry_after`: transient errors
(429, 5xx, timeouts) are tried again with backoff, permanent ones stop the effect with the
error recorded and the person told.
"""

from __future__ import annotations


class VendorError(Exception):
    """A vendor call failed. `error` is the vendor's error code (or HTTP status) as text."""

    def __init__(self, vendor: str, error: str, *, permanent: bool, retry_after: float | None = None,
                 message: str | None = None) -> None:
        self.vendor = vendor
        self.error = error
        self.permanent = permanent
        self.retry_after = retry_after
        super().__init__(message or f"{vendor}: {error}")


class Skip(Exception):  # noqa: N818 - not an error: the effect is not wanted any more
    """Raised by a deliverer: the effect is moot (resolved meanwhile, superseded); `reason` is kept."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# Slack errors meaning "this person (or their DM) cannot be reached": deactivated, deleted,
# gone from the workspace. Retrying will not help; someone else must be told.
CANNOT_REACH = frozenset({
    "user_not_found", "users_not_found", "channel_not_found", "user_disabled", "user_is_deactivated",
    "account_inactive", "cannot_dm_bot",
})

# Slack errors that go away by themselves: everything else Slack answers is permanent.
SLACK_TRANSIENT = frozenset({
    "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "timeout", "connection_error",
})


# A person archived the incident channel (the incident records it from channel_archive /
# group_archive): what was meant for it stops here, for good, without asking Slack. Sync-only
# work (topic, pinned message, bookmarks, invites) is skipped instead: the channel catches up
# when it is unarchived.
CHANNEL_ARCHIVED = "the incident channel is archived (a person archived it; unarchive it to post there again)"


def channel_archived() -> VendorError:
    return VendorError("Slack", "is_archived", permanent=True, message=CHANNEL_ARCHIVED)
