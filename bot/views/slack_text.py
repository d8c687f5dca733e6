"""Slack's text rules in one place: what the bot writes into `text` and mrkdwn.

Slack reads `<...>` as a control sequence (`<!channel>`, `<!subteam^S1>`, `<@U1>`,
`<https://x|label>`) and `&` as the start of an entity. Text people typed is escaped here,
once, where it becomes Slack markup, so it can never ping the company or disguise a link;
the database and the core keep it raw.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """`&`, `<` and `>` as entities: the whole rule (Slack's "Escaping text" guide).

    >>> escape("<!channel> R&D <b>")
    '&lt;!channel&gt; R&amp;D &lt;b&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
