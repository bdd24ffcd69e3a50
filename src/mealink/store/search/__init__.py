"""Search over the stored paragraphs: by words (``keyword``, the engine's full-text index),
by meaning (``vectors``), or both fused (``find``, the entry point of every front end),
with the counts a reader narrows by (``facets``)."""
