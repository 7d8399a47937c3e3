"""The one exception type for problems the user can fix (bad params, bad data)."""


class PipelineError(Exception):
    """A problem in the user's input, reported as one line: what is wrong and how to fix it.

    Anything else that escapes a stage is a bug in this project and keeps its traceback.
    """


def plain(value):
    """numpy scalars -> Python values, so messages and JSON say 2, not np.int64(2)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def listed(items: list[str], limit: int = 5) -> str:
    """The first `limit` names, and how many more: one line however many files or columns a problem concerns."""
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")
