"""``python -m mealink.cli``: the same as the ``mealink`` command."""

from mealink.cli.app import main

main()
