"""The two sentence-vector models a store can be searched with, by the name people choose
("full": the ONNX encoder; "static": the table distilled from it) and by the id stored with
every vector."""

from __future__ import annotations

from mealink.errors import MealinkError
from mealink.semantic.encoder import MODEL_ID, encoder
from mealink.semantic.static import TextEncoder, static_encoder

__all__ = ["MODEL_NAMES", "by_id", "by_name", "name_of"]

#: the names of ``mealink embed --model``, the default first
MODEL_NAMES = ("full", "static")


def by_name(name: str) -> TextEncoder:
    """The model called ``name`` (one of ``MODEL_NAMES``)."""
    if name == "full":
        return encoder()
    if name == "static":
        return static_encoder()
    raise MealinkError(f"unknown sentence-vector model {name!r}; use one of "
                       f"{', '.join(MODEL_NAMES)}")


def by_id(model_id: str) -> TextEncoder:
    """The model whose vectors carry ``model_id``."""
    if model_id == MODEL_ID:
        return encoder()
    if model_id == static_encoder().model_id:
        return static_encoder()
    raise MealinkError(f"the store's sentence vectors are of model {model_id!r}, which this "
                       "mealink does not have; run `mealink embed --model full` (or static) "
                       "to embed again")


def name_of(model_id: str) -> str:
    """'full' or 'static' for a model id this mealink has, else the id itself."""
    if model_id == MODEL_ID:
        return "full"
    return "static" if model_id == static_encoder().model_id else model_id
