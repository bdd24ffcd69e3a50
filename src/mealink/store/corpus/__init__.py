"""The stored corpus of texts: files in (``ingest``, rows built by ``records``), citations and
in-force status resolved over the whole corpus (``linking``), and texts out as readers ask
for them (``status``: which text is meant and is it in force; ``documents``: a text with
its paragraphs; ``topics``)."""
