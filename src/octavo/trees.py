"""Small edits of an lxml tree that the pipeline (layout.py) and the Word importer share."""

from __future__ import annotations


def drop_keeping_tail(element) -> None:
    """Remove `element` from its parent, keeping the text that follows it (its tail) in place."""
    parent, tail = element.getparent(), element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
