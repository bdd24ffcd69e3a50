"""Assessment findings (IPBES and the like): texts and lists of findings read into an
``Assessment`` (``parse``), the rules and values they share (``rules``), JSON and CSV lists
(``lists``). Their storage and what they bear on are in ``mealink.store.findings``."""
