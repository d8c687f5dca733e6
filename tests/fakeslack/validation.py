"""Slack's limits (tests/reference/slack/README.md, "Limits a correct bot respects")."""

from __future__ import annotations

import re

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from .blockkit import BlockKitError, check_block_kit


class SlackError(Exception):
    """An ``{"ok": false, "error": ...}`` answer.

    ``violation`` is True when a correct bot would never provoke it (a broken
    contract); False for errors a correct bot may legitimately meet (``name_taken``...).
    """

    def __init__(self, error: str, *, violation: bool = False, detail: str = "", extra: dict | None = None):
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error = error
        self.violation = violation
        self.detail = detail
        self.extra = extra or {}


def violation(error: str, detail: str = "") -> SlackError:
    return SlackError(error, violation=True, detail=detail)


CHANNEL_NAME_MAX = 80
CHANNEL_NAME_RE = re.compile(r"^[a-z0-9_-]+$")
TOPIC_MAX = 250
PURPOSE_MAX = 250
TEXT_MAX = 40_000
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
VIEW_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3000
ID_MAX = 255
VIEW_STACK_MAX = 3


def check_channel_name(name) -> str:
    if not isinstance(name, str) or name == "":
        raise violation("invalid_name_required", "channel name is empty")
    if len(name) > CHANNEL_NAME_MAX:
        raise violation("invalid_name_maxlength", f"channel name has {len(name)} > {CHANNEL_NAME_MAX} chars")
    if not CHANNEL_NAME_RE.match(name):
        raise violation("invalid_name_specials", f"channel name {name!r} has characters other than a-z 0-9 - _")
    return name


def check_topic(text, *, limit: int = TOPIC_MAX, what: str = "topic") -> str:
    text = "" if text is None else str(text)
    if len(text) > limit:
        raise violation("too_long", f"{what} has {len(text)} > {limit} chars")
    return text


def check_text(text) -> None:
    if text is not None and len(str(text)) > TEXT_MAX:
        raise violation("msg_too_long", f"text has {len(str(text))} > {TEXT_MAX} chars")


def _err_detail(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"


def check_blocks(blocks, *, limit: int = MESSAGE_BLOCKS_MAX, what: str = "message",
                 error: str = "invalid_blocks") -> list | None:
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        raise violation("invalid_blocks_format", f"blocks is not a JSON array: {blocks!r:.200}")
    if len(blocks) > limit:
        raise violation("invalid_blocks", f"{len(blocks)} blocks > {limit} per {what}")
    for i, raw in enumerate(blocks):
        if not isinstance(raw, dict):
            raise violation("invalid_blocks", f"block {i} is not an object")
        try:
            block = Block.parse(raw)
            if block is None:
                raise SlackObjectFormationError(f"unknown block type {raw.get('type')!r}")
            block.validate_json()
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as e:
            raise violation("invalid_blocks", f"block {i} ({raw.get('type')}): {_err_detail(e)}")
    try:
        check_block_kit(blocks)
    except (BlockKitError, TypeError, ValueError, AttributeError) as e:
        raise violation(error, f"{what}: {e}")
    return blocks


def _plain_len(obj) -> int:
    if isinstance(obj, dict):
        return len(str(obj.get("text") or ""))
    return len(str(obj or ""))


def check_view(view, *, home: bool = False) -> dict:
    if not isinstance(view, dict):
        raise violation("invalid_arguments", f"view is not a JSON object: {view!r:.200}")
    vtype = view.get("type")
    if home and vtype != "home":
        raise violation("invalid_arguments", f"views.publish needs type 'home', got {vtype!r}")
    if not home and vtype != "modal":
        raise violation("invalid_arguments", f"view type must be 'modal', got {vtype!r}")
    for key in ("title", "submit", "close"):
        if key in view and _plain_len(view[key]) > VIEW_TEXT_MAX:
            raise violation("invalid_arguments", f"view {key} has {_plain_len(view[key])} > {VIEW_TEXT_MAX} chars")
    if not home and not view.get("title"):
        raise violation("invalid_arguments", "modal view needs a title")
    pm = view.get("private_metadata")
    if pm is not None and len(str(pm)) > PRIVATE_METADATA_MAX:
        raise violation("invalid_arguments", f"private_metadata has {len(str(pm))} > {PRIVATE_METADATA_MAX} chars")
    if len(str(view.get("callback_id") or "")) > ID_MAX:
        raise violation("invalid_arguments", f"callback_id > {ID_MAX} chars")
    check_blocks(view.get("blocks") or [], limit=VIEW_BLOCKS_MAX, what="view", error="invalid_arguments")
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as e:
        raise violation("invalid_arguments", f"view: {_err_detail(e)}")
    return view


def check_metadata(metadata) -> None:
    """Message metadata (chat.postMessage `metadata`): an object with a string `event_type`
    and an object `event_payload`, as Slack's message-metadata reference requires."""
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise violation("invalid_metadata_format", f"metadata is not a JSON object: {metadata!r:.200}")
    if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
        raise violation("invalid_metadata_schema", "metadata.event_type must be a non-empty string")
    if not isinstance(metadata.get("event_payload"), dict):
        raise violation("invalid_metadata_schema", "metadata.event_payload must be a JSON object")
