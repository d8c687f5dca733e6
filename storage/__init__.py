"""The database edge: SQLAlchemy 2 models, engine set-up and repository functions.

Repository functions take a session `s` and never commit; the caller owns the
transaction (`with sessions.begin() as s:`), one per handler.
"""
