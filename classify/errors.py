"""The one error base of the library.

Every error ``classify`` raises on purpose — an unusable model bundle, labels that cannot be
trained on, a topic model that cannot be fitted or read — is a :class:`ClassifyError`, so a
caller (the CLI, a service) catches one class and tells the user; anything else is a bug.
At the bottom layer: it imports nothing.
"""

from __future__ import annotations

__all__ = ["ClassifyError"]


class ClassifyError(Exception):
    """Base of the errors the library raises on purpose (the CLI maps them to exit code 2)."""
