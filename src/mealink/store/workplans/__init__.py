"""Joint work plans in the store: importing a plan with its references resolved to stored
paragraphs (``plans.py``), the append-only progress on its activities (``progress.py``),
and reading plans back, with what is overdue, and drafting one (``views.py``)."""
