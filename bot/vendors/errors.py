"""The one error type every vendor edge raises; the effect worker reads `permanent`.

Same shape as the effect pipeline's `VendorError` (issue 13), which replaces this class once
the pipeline is on main.
"""

from __future__ import annotations


class VendorError(Exception):
    """A vendor refused or could not be reached. `permanent`: retrying cannot help (a bad key,
    page or value); otherwise the effect is retried with backoff (after `retry_after` seconds
    when the vendor said so)."""

    def __init__(self, vendor: str, error: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(f"{vendor}: {error}")
        self.vendor = vendor
        self.error = error
        self.permanent = permanent
        self.retry_after = retry_after
