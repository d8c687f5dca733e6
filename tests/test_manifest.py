"""manifest.yml creates the app Slack expects: valid, and granting what the bot uses."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference" / "slack"
SCHEMA_DIR = REFERENCE / "manifest-schema"

# What DESIGN.md's work needs, and nothing more.
EXPECTED_BOT_SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:manage",
    "channels:read",
    "channels:history",
    "groups:write",
    "groups:read",
    "groups:history",
    # the effect pipeline finds a retried DM's first try (conversations.open + .history)
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
    "reactions:read",
    "reactions:write",
    "pins:write",
    "bookmarks:write",
    # a retried bookmark effect finds its first try (bookmarks.list)
    "bookmarks:read",
    "files:write",
}
EXPECTED_BOT_EVENTS = {
    "app_home_opened",
    "reaction_added",
    "reaction_removed",
    "message.channels",
    "message.groups",
    "member_joined_channel",
    "member_left_channel",
    "channel_rename",
    "group_rename",
    "channel_archive",
    "channel_unarchive",
    "group_archive",
    "group_unarchive",
}
VERBS = (
    "declare role severity update note timeline link handover resolve reopen "
    "status list postmortem action stats help"
).split()


@pytest.fixture(scope="module")
def reference() -> Path:
    if not SCHEMA_DIR.is_dir():
        pytest.fail(
            f"Slack reference data not found at {REFERENCE}: it is part of the repository "
            "(tests/reference/slack/); restore it from git."
        )
    return REFERENCE


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def schema_registry(schema_dir: Path) -> tuple[dict, Registry]:
    """The dispatching schema, and a registry serving the versioned schemas it refers
    to by URL from the local copies, so validation needs no network."""
    root = json.loads((schema_dir / "manifest.schema.json").read_text())
    refs: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"].startswith("http"):
                refs.add(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(root)
    resources = []
    for url in sorted(refs):
        local = schema_dir / "schemas" / url.rsplit("/", 1)[-1]
        contents = json.loads(local.read_text())
        resources.append((url, Resource.from_contents(contents, default_specification=DRAFT7)))
    return root, Registry().with_resources(resources)


def test_manifest_validates_against_slacks_schema(reference, manifest):
    root, registry = schema_registry(reference / "manifest-schema")
    validator = jsonschema.Draft7Validator(root, registry=registry)
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_broken_manifest(reference, manifest):
    root, registry = schema_registry(reference / "manifest-schema")
    validator = jsonschema.Draft7Validator(root, registry=registry)
    broken = {**manifest, "features": {**manifest["features"], "bot_user": {}}}
    assert not validator.is_valid(broken)  # bot_user needs a display_name


def test_manifest_is_version_1_with_socket_mode_and_interactivity(manifest):
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}
    assert manifest["display_information"]["name"] == "incident-bot"
    assert manifest["features"]["bot_user"]["display_name"] == "incident-bot"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_slash_command_lists_every_verb(manifest):
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/incident"
    hint_verbs = [part.split()[0] for part in command["usage_hint"].split(", ")]
    assert hint_verbs == VERBS


def test_bot_scopes_and_events_are_exactly_what_the_bot_uses(manifest):
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == EXPECTED_BOT_SCOPES
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == EXPECTED_BOT_EVENTS
    assert "user" not in manifest["oauth_config"]["scopes"]


def slack_events(reference: Path) -> dict[str, dict]:
    """events.json, plus the per-event pages (events/<name>.json) of events it leaves out, each
    kept only when its page says the Events API delivers it. Those pages name no usable scope
    ("RTM"): a channel_* event needs channels:read, a group_* one groups:read (as for renames)."""
    events = {e["name"]: e for e in json.loads((reference / "events.json").read_text())}
    for page in sorted((reference / "events").glob("*.json")):
        doc = json.loads(page.read_text())
        if "Events API" in doc.get("long_desc", ""):
            family = "groups:read" if doc["name"].startswith("group_") else "channels:read"
            events.setdefault(doc["name"], {"name": doc["name"], "scopes": [family]})
    return events


def test_the_archive_events_come_from_their_own_pages(reference):
    events = slack_events(reference)
    assert events["channel_archive"]["scopes"] == ["channels:read"]
    assert events["group_unarchive"]["scopes"] == ["groups:read"]


def test_every_bot_event_has_its_required_scopes(reference, manifest):
    events = slack_events(reference)
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    for name in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert name in events, f"{name} is not a Slack event"
        required = set(events[name]["scopes"])
        # events.json lists the scopes that can unlock an event type; for the
        # message.* families it names exactly the one needed. Member events come for each
        # kind of channel the app can read: public and private incident channels are enough.
        if name.startswith("member_"):
            required = {"channels:read", "groups:read"}
        assert required <= granted, f"{name} needs {sorted(required - granted)}"
