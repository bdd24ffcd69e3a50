"""Joint work plans between conventions: reading a plan from a file, the paragraphs its
activities cite, and drafting one from overlapping mandates. Pure: files and mandate items
in, dataclasses out; the store resolves references and keeps plans (``store/workplans.py``)."""
