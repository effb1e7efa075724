"""Octavo: structured policy papers into a print PDF and an EPUB 3, with proof.

The pipeline reads in the module names: load → model → markdown/render →
pdf/epub → write → verify, driven by build and exposed by cli.
"""

__version__ = "0.1.0"
