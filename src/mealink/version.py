"""The version of mealink, recorded with every stored text so a newer parser can re-read it."""

__version__ = "0.3.0"
