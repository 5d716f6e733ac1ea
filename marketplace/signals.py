"""Signals the marketplace sends after a commit, so other apps (the matcher) can follow changes
without the marketplace knowing them."""
from django.dispatch import Signal

# sender: the model class; kwargs: ids (list[int]). Sent after the transaction commits.
solutions_changed = Signal()
needs_changed = Signal()
