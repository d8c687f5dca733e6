"""The database edge: SQLAlchemy 2 models, engine set-up and repository functions.

Repository functions take a session `s` and never commit; the caller owns the
transaction (`with deps.sessions.begin() as s:`), one per handler.

Listeners (commands/) and flows (bot/flows/) import neither SQLAlchemy nor the models
(tests/test_layering.py): they pass the transaction along as `storage.Session`, read what
storage functions return, and change the database only by calling storage functions. Where
they still hold a row a storage function returned, its type is named here (`IncidentRow`,
`PostmortemRow`, `AlertGroupRow`, `ActionRow`): read it, never assign to it.
"""

from sqlalchemy.orm import Session

from storage.models import Action as ActionRow
from storage.models import AlertGroup as AlertGroupRow
from storage.models import Incident as IncidentRow
from storage.models import Postmortem as PostmortemRow

__all__ = ["ActionRow", "AlertGroupRow", "IncidentRow", "PostmortemRow", "Session"]
