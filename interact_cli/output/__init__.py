"""Output: renderers (table, JSON, CSV, Markdown) and atomic file writing, apart from the core."""
