"""Meaning-based search: sentence embeddings and exact nearest-neighbour search over them."""
