"""Bad input everywhere (issue 7.6): arbitrary command text and arbitrary modal values get an
explanation or an inline error, never an exception and never a partial change."""

from __future__ import annotations

import logging
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, func, select

from bot.views.ids import Action, Callback
from bot.errors import CommandError
from commands.registry import VERBS
from storage.models import Base, Incident

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text people (and Slack) send: words, escaped mentions and links, emoji, control and odd characters.
TOKENS = st.one_of(
    st.sampled_from(["me", "none", "im", "tl", "incident-manager", "tech-lead", "1", "2", "3", "0", "-1", "99",
                     "video", "doc", "issue", "priority", "improvement", "done", "list", "edit", "export",
                     "owner", "approvers", "request-approval", "observation:", "decision:", "https://example.com/x",
                     "ftp://x", "javascript:alert(1)", "<@UALICE|alice>", "<@UNOBODY>", "<@UOTHERBOT>", "<#C123|x>",
                     "<https://example.com|x>", "@alice", ":fire:", "HOT-1", "'", '"', "`", "*", "_", "~", "&lt;"]),
    st.text(alphabet=string.printable + "äöü€✓🔥\u200b\u202e", max_size=40),
)
ARGS = st.lists(TOKENS, max_size=6).map(" ".join)


def test_every_parser_answers_arbitrary_text_with_a_value_or_an_explanation(bot):
    @FUZZ
    @given(text=ARGS)
    def check(text: str) -> None:
        for verb in {v for v in VERBS.values() if v.parse}:
            try:
                verb.parse(text)
            except CommandError as refusal:
                assert str(refusal).strip(), f"{verb.name}: an empty explanation for {text!r}"

    check()


def _counts(deps: Any) -> dict[str, Any]:
    """Every table's row count and the incidents' columns: what a refused input must not change."""
    with deps.sessions() as s:
        counts: dict[str, Any] = {name: s.scalar(select(func.count()).select_from(table))
                                  for name, table in Base.metadata.tables.items()}
        counts["incidents_rows"] = [
            {c.name: getattr(i, c.key) for c in Incident.__table__.columns if c.name != "next_nag_at"}
            for i in s.scalars(select(Incident).order_by(Incident.id))
        ]
    return counts


@pytest.mark.parametrize("verb", sorted({v.name for v in VERBS.values()} | {"role", "severity", "link", "note"}))
def test_arbitrary_arguments_to_each_verb_in_an_incident_channel(bot, slack, deps, caplog, verb):
    channel = bot.declare("Fuzzed incident", severity=2)
    caplog.set_level(logging.ERROR)

    @FUZZ
    @given(args=ARGS)
    def check(args: str) -> None:
        before = _counts(deps)
        ephemerals_before = len(slack.ephemerals)
        response = bot.command(f"{verb} {args}", user="UALICE", channel=channel.id)
        assert response.status == 200
        failures = [r for r in caplog.records if r.name == "bot.app"]
        assert failures == [], f"/incident {verb} {args!r} raised: {failures[0].getMessage()}"
        said = (response.body or "") + " ".join(e["text"] for e in slack.ephemerals[ephemerals_before:])
        if "Usage:" in said:
            # A refusal shows the usage line, and changes nothing.
            assert _counts(deps) == before, f"/incident {verb} {args!r} was refused but changed data"

    check()


def _arbitrary_values(view: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Slack-shaped `state.values` for every input block of `view`, with arbitrary contents."""
    text = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(["x" * 3001, "word " * 700, " \n\t "]))
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        options = [o["value"] for o in element.get("options", [])]
        any_value = st.one_of(st.sampled_from(options or ["x"]), st.text(max_size=20))
        option = any_value.map(lambda v: {"text": {"type": "plain_text", "text": v}, "value": v})
        if kind == "plain_text_input":
            strategy = text.map(lambda v, k=kind: {"type": k, "value": v})
        elif kind in ("static_select", "radio_buttons"):
            strategy = st.one_of(st.none(), option).map(lambda o, k=kind: {"type": k, "selected_option": o})
        elif kind in ("multi_static_select", "checkboxes"):
            strategy = st.lists(option, max_size=3).map(lambda o, k=kind: {"type": k, "selected_options": o})
        elif kind == "datepicker":
            strategy = st.one_of(st.none(), st.dates().map(str), st.text(max_size=12)).map(
                lambda d: {"type": "datepicker", "selected_date": d})
        elif kind == "timepicker":
            strategy = st.one_of(st.none(), st.times().map(lambda t: t.strftime("%H:%M")), st.text(max_size=8)).map(
                lambda t: {"type": "timepicker", "selected_time": t})
        elif kind in ("users_select", "multi_users_select"):
            strategy = st.sampled_from(["UALICE", "UNOBODY", "UOTHERBOT", ""]).map(
                lambda u, k=kind: {"type": k, "selected_user": u, "selected_users": [u]})
        else:
            strategy = st.just({"type": kind})
        fields[block["block_id"]] = strategy.map(lambda v, a=element.get("action_id", Action.VALUE): {a: v})
    return st.fixed_dictionaries(fields)


MODALS = [("declare", Callback.DECLARE), ("update", Callback.UPDATE), ("resolve", Callback.RESOLVE)]


@pytest.mark.parametrize("verb, callback", MODALS)
def test_arbitrary_modal_values_get_inline_errors_or_one_clean_change(bot, slack, deps, caplog, verb, callback):
    channel = bot.declare("Modal fuzz", severity=1)
    bot.command("role incident-manager me", user="UALICE", channel=channel.id)
    bot.command(verb, user="UALICE", channel=channel.id)
    view = bot.last_view(callback)
    caplog.set_level(logging.ERROR)

    @FUZZ
    @given(values=_arbitrary_values(view))
    def check(values: dict[str, Any]) -> None:
        before = _counts(deps)
        response = bot.submit(view, values, user="UALICE")
        assert response.status == 200
        failures = [r for r in caplog.records if r.name == "bot.app"]
        assert failures == [], f"{verb} modal raised on {values!r}: {failures[0].getMessage()}"
        if response.body and "errors" in response.body:
            assert _counts(deps) == before, f"{verb} modal refused {values!r} but changed data"

    check()
