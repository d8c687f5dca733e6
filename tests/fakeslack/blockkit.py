"""Block Kit limits the fake checks itself, as Slack does (tests/reference/slack/README.md).

slack_sdk's models check some limits when asked, but not all of them, and a bot that builds
plain dicts never asks: Slack answers ``invalid_blocks`` (messages) or ``invalid_arguments``
(views) to any of these, so the fake does too. ``check_block_kit`` raises ``BlockKitError``
naming the block and the limit.
"""

from __future__ import annotations

ID_MAX = 255
SECTION_TEXT_MAX = 3000
FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTON_URL_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTION_DESCRIPTION_MAX = 75
OPTIONS_MAX = 100
OPTION_GROUPS_MAX = 100
OPTION_GROUP_LABEL_MAX = 75
RADIO_CHECKBOX_OPTIONS_MAX = 10
OVERFLOW_OPTIONS = (1, 5)
INPUT_MAX_LENGTH = 3000

SELECTS_WITH_OPTIONS = {"static_select", "multi_static_select"}
CHOICES = {"radio_buttons", "checkboxes"}


class BlockKitError(ValueError):
    pass


def _text(obj, where: str, *, limit: int, plain: bool = False, required: bool = True) -> None:
    if obj is None:
        if required:
            raise BlockKitError(f"{where}: a text object is required")
        return
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        raise BlockKitError(f"{where}: not a text object: {obj!r:.80}")
    if plain and obj["type"] != "plain_text":
        raise BlockKitError(f"{where}: must be plain_text, not {obj['type']}")
    text = obj.get("text")
    if not isinstance(text, str) or text == "":
        raise BlockKitError(f"{where}: text is empty")
    if len(text) > limit:
        raise BlockKitError(f"{where}: text has {len(text)} > {limit} characters")


def _short(value, where: str, limit: int) -> None:
    if value is not None and len(str(value)) > limit:
        raise BlockKitError(f"{where}: {len(str(value))} > {limit} characters")


def _option(option, where: str, *, plain: bool) -> tuple[str, str]:
    if not isinstance(option, dict):
        raise BlockKitError(f"{where}: not an option object")
    _text(option.get("text"), f"{where}.text", limit=OPTION_TEXT_MAX, plain=plain)
    if "value" not in option:
        raise BlockKitError(f"{where}: option without a value")
    _short(option.get("value"), f"{where}.value", OPTION_VALUE_MAX)
    _text(option.get("description"), f"{where}.description", limit=OPTION_DESCRIPTION_MAX, required=False)
    return option["text"].get("text"), str(option["value"])


def _options(element: dict, where: str) -> set[tuple[str, str]]:
    etype = element.get("type")
    plain = etype not in CHOICES
    options, groups = element.get("options"), element.get("option_groups")
    if options is not None and groups is not None:
        raise BlockKitError(f"{where}: both options and option_groups")
    seen: set[tuple[str, str]] = set()
    if groups is not None:
        if len(groups) > OPTION_GROUPS_MAX:
            raise BlockKitError(f"{where}: {len(groups)} option groups > {OPTION_GROUPS_MAX}")
        for g, group in enumerate(groups):
            _text(group.get("label"), f"{where}.option_groups[{g}].label", limit=OPTION_GROUP_LABEL_MAX, plain=True)
            group_options = group.get("options") or []
            if len(group_options) > OPTIONS_MAX:
                raise BlockKitError(f"{where}.option_groups[{g}]: {len(group_options)} options > {OPTIONS_MAX}")
            seen.update(_option(o, f"{where}.option_groups[{g}].options[{i}]", plain=True)
                        for i, o in enumerate(group_options))
        return seen
    options = options or []
    if etype in SELECTS_WITH_OPTIONS and not options:
        raise BlockKitError(f"{where}: a static select needs options or option_groups")
    limit = RADIO_CHECKBOX_OPTIONS_MAX if etype in CHOICES else OPTIONS_MAX
    if etype == "overflow":
        if not OVERFLOW_OPTIONS[0] <= len(options) <= OVERFLOW_OPTIONS[1]:
            raise BlockKitError(f"{where}: an overflow menu holds {OVERFLOW_OPTIONS[0]}-{OVERFLOW_OPTIONS[1]} options, "
                                f"not {len(options)}")
    elif len(options) > limit:
        raise BlockKitError(f"{where}: {len(options)} options > {limit}")
    seen.update(_option(o, f"{where}.options[{i}]", plain=plain) for i, o in enumerate(options))
    return seen


def _initial_options(element: dict, where: str, offered: set[tuple[str, str]]) -> None:
    chosen = []
    if element.get("initial_option") is not None:
        chosen.append(("initial_option", element["initial_option"]))
    for i, option in enumerate(element.get("initial_options") or ()):
        chosen.append((f"initial_options[{i}]", option))
    for name, option in chosen:
        key = _option(option, f"{where}.{name}", plain=element.get("type") not in CHOICES)
        if key not in offered:
            raise BlockKitError(f"{where}.{name}: {key[0]!r}/{key[1]!r} is not among the options")


def check_element(element, where: str) -> str | None:
    """Checks one interactive element; returns its action_id."""
    if not isinstance(element, dict) or not element.get("type"):
        raise BlockKitError(f"{where}: not an element")
    etype = element["type"]
    _short(element.get("action_id"), f"{where}.action_id", ID_MAX)
    _text(element.get("placeholder"), f"{where}.placeholder", limit=PLACEHOLDER_MAX, plain=True, required=False)
    if etype == "button":
        _text(element.get("text"), f"{where}.text", limit=BUTTON_TEXT_MAX, plain=True)
        _short(element.get("value"), f"{where}.value", BUTTON_VALUE_MAX)
        _short(element.get("url"), f"{where}.url", BUTTON_URL_MAX)
    elif etype in SELECTS_WITH_OPTIONS | CHOICES | {"overflow"}:
        offered = _options(element, where)
        _initial_options(element, where, offered)
    elif etype == "plain_text_input":
        max_length = element.get("max_length")
        if max_length is not None and not 1 <= int(max_length) <= INPUT_MAX_LENGTH:
            raise BlockKitError(f"{where}: max_length {max_length} outside 1..{INPUT_MAX_LENGTH}")
        min_length = element.get("min_length")
        if min_length is not None and not 0 <= int(min_length) <= INPUT_MAX_LENGTH:
            raise BlockKitError(f"{where}: min_length {min_length} outside 0..{INPUT_MAX_LENGTH}")
        _short(element.get("initial_value"), f"{where}.initial_value", int(max_length or INPUT_MAX_LENGTH))
    return element.get("action_id")


def _block(block: dict, where: str) -> None:
    btype = block.get("type")
    if btype == "header":
        _text(block.get("text"), f"{where}.text", limit=HEADER_TEXT_MAX, plain=True)
    elif btype == "section":
        if block.get("text") is None and not block.get("fields"):
            raise BlockKitError(f"{where}: a section needs text or fields")
        _text(block.get("text"), f"{where}.text", limit=SECTION_TEXT_MAX, required=False)
        fields = block.get("fields") or []
        if len(fields) > FIELDS_MAX:
            raise BlockKitError(f"{where}: {len(fields)} fields > {FIELDS_MAX}")
        for i, field in enumerate(fields):
            _text(field, f"{where}.fields[{i}]", limit=FIELD_TEXT_MAX)
        if block.get("accessory") is not None:
            check_element(block["accessory"], f"{where}.accessory")
    elif btype == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ELEMENTS_MAX:
            raise BlockKitError(f"{where}: a context holds 1-{CONTEXT_ELEMENTS_MAX} elements, not {len(elements)}")
        for i, element in enumerate(elements):
            if element.get("type") in ("plain_text", "mrkdwn"):
                _text(element, f"{where}.elements[{i}]", limit=SECTION_TEXT_MAX)
    elif btype == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS_MAX:
            raise BlockKitError(f"{where}: an actions block holds 1-{ACTIONS_ELEMENTS_MAX} elements, not {len(elements)}")
        action_ids = [check_element(e, f"{where}.elements[{i}]") for i, e in enumerate(elements)]
        named = [a for a in action_ids if a]
        if len(named) != len(set(named)):
            raise BlockKitError(f"{where}: duplicate action_id in one block: {sorted(named)}")
    elif btype == "input":
        _text(block.get("label"), f"{where}.label", limit=LABEL_MAX, plain=True)
        _text(block.get("hint"), f"{where}.hint", limit=LABEL_MAX, plain=True, required=False)
        check_element(block.get("element"), f"{where}.element")


def check_block_kit(blocks: list) -> None:
    """Every block of one message or view: limits, and block_ids unique among them."""
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}] ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            _short(block_id, f"{where}.block_id", ID_MAX)
            if block_id in seen_ids:
                raise BlockKitError(f"{where}: duplicate block_id {block_id!r}")
            seen_ids.add(block_id)
        _block(block, where)
