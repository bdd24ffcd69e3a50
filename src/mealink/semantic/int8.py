"""A matrix of vectors in int8, multiplied by a query in int8 by onnxruntime (issue 18).

Comparing a query with every stored vector reads the whole float32 matrix (130 MB at
84,000 paragraphs): 5-7 ms on the 2-core machine, bound by memory. The same matrix in int8
is a quarter of that, and onnxruntime's ``MatMulInteger`` multiplies it by an int8 query in
1.5-2 ms once the matrix is a constant of its graph (it packs a constant once, at load).
The product is exact integer arithmetic; what it estimates is the cosine, with an error
bounded row by row (``Int8Matrix.estimate``), so a caller can tell which rows the estimate
alone cannot rule out and compute those exactly (``mealink.semantic.closest``). Exact on
every processor: where onnxruntime's uint8 x int8 kernel saturates (x86 without VNNI adds
products in pairs in 16 bits), the matrix is given to it as uint8 too (``exact_signed``).

numpy has no fast int8 product (a plain loop: 30 ms here), and the graph is one node, so it
is written here as ONNX's protobuf wire format (a few fields of ``onnx.proto``) rather than
by adding the ``onnx`` package to build it.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mealink.semantic.closest import Estimate
from mealink.semantic.encoder import session_options

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Int8Matrix", "Int8Product", "SharedScale", "quantize", "quantize_shared", "shifted"]

#: ONNX's codes of the element types used here (``TensorProto.DataType``)
_UINT8, _INT8, _INT32 = 2, 3, 6
#: the query's zero point: its int8 values, shifted into the uint8 that MatMulInteger takes
_ZERO = 128
#: rows quantized at a time (a float64 copy of all of them would be 8 bytes a number)
_CHUNK = 8192


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    """One protobuf field: a varint (an int) or a length-delimited value (bytes)."""
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _value_info(name: str, elem_type: int, dims: tuple[int | str, ...]) -> bytes:
    """A graph input or output: its name, element type and shape (a number or a name)."""
    shape = b"".join(_field(1, _field(1, d) if isinstance(d, int) else _field(2, d.encode()))
                     for d in dims)
    tensor = _field(1, elem_type) + _field(2, shape)
    return _field(1, name.encode()) + _field(2, _field(1, tensor))


def _tensor(name: str, elem_type: int, array: NDArray[Any]) -> bytes:
    """A constant of the graph, its bytes in row-major order."""
    dims = b"".join(_field(1, d) for d in array.shape)
    return dims + _field(2, elem_type) + _field(8, name.encode()) + \
        _field(9, np.ascontiguousarray(array).tobytes())


def matmul_integer_model(right: NDArray[np.int8], *, unsigned: bool = False) -> bytes:
    """An ONNX model (IR 8, opset 13) of one ``MatMulInteger``: input ``query`` (m × k,
    uint8, zero point 128) times the constant ``right`` (k × n, int8) gives ``product``
    (m × n, int32). ``unsigned``: ``right`` is stored as uint8 with zero point 128 too (the
    same product, by onnxruntime's uint8 x uint8 kernel)."""
    k, n = right.shape
    constant = _tensor("right", _UINT8, shifted(right)) if unsigned else \
        _tensor("right", _INT8, right)
    node = _field(1, b"query") + _field(1, b"right") + _field(1, b"zero") + \
        (_field(1, b"zero") if unsigned else b"") + \
        _field(2, b"product") + _field(4, b"MatMulInteger")
    graph = _field(1, node) + _field(2, b"mealink-int8") + _field(5, constant) + \
        _field(5, _tensor("zero", _UINT8, np.array(_ZERO, dtype=np.uint8))) + \
        _field(11, _value_info("query", _UINT8, ("m", k))) + \
        _field(12, _value_info("product", _INT32, ("m", n)))
    opset = _field(1, b"") + _field(2, 13)
    return _field(1, 8) + _field(2, b"mealink") + _field(7, graph) + _field(8, opset)


def _in_int8(rows: NDArray[np.float32], shared: float | None
             ) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64],
                        NDArray[np.float64]]:
    """Each row as int8 times a scale: its own (its largest magnitude over 127), or
    ``shared`` for every row; (values, scales, the Euclidean norm of each row's error, the
    Euclidean norm of each row), in float64, a chunk of rows at a time."""
    n, d = rows.shape
    values = np.empty((n, d), dtype=np.int8)
    scales = np.empty(n, dtype=np.float64)
    errors = np.empty(n, dtype=np.float64)
    norms = np.empty(n, dtype=np.float64)
    for s in range(0, n, _CHUNK):
        x = rows[s:s + _CHUNK].astype(np.float64)
        if shared is None:
            top = np.abs(x).max(axis=1) if d else np.zeros(len(x))
            scale = np.where(top > 0, top / 127.0, 1.0)
        else:
            scale = np.full(len(x), shared)
        norms[s:s + _CHUNK] = np.sqrt(np.einsum("ij,ij->i", x, x))
        q = np.clip(np.rint(x / scale[:, None]), -127, 127)
        values[s:s + _CHUNK] = q
        scales[s:s + _CHUNK] = scale
        x -= q * scale[:, None]
        errors[s:s + _CHUNK] = np.sqrt(np.einsum("ij,ij->i", x, x))
    return values, scales, errors, norms


def quantize(rows: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float64],
                                                 NDArray[np.float64], NDArray[np.float64]]:
    """Each row as int8 times its own scale (its largest magnitude over 127), with how far
    that is from the row: (values, scales, the Euclidean norm of each row's error, the
    Euclidean norm of each row), the norms in float64."""
    return _in_int8(rows, None)


@dataclass(frozen=True, slots=True)
class SharedScale:
    """Rows in int8 with one scale: each row is ``values * scale`` give or take its error
    (Euclidean norms, float64), with the norms of the rows and of their int8 copies."""

    values: NDArray[np.int8]
    scale: float
    errors: NDArray[np.float64]
    norms: NDArray[np.float64]
    rounded_norms: NDArray[np.float64]

    def bound(self, left: slice, right: slice) -> float:
        """How far ``scale**2`` times the integer product of a row of ``left`` and a row of
        ``right`` can be from their exact dot product: each row's error times the other
        row's norm (x.y - x'.y' = x'.(y - y') + (x - x').y)."""
        if left.start == left.stop or right.start == right.stop:
            return 0.0
        return float(self.rounded_norms[left].max() * self.errors[right].max()
                     + self.errors[left].max() * self.norms[right].max())


def quantize_shared(rows: NDArray[np.float32]) -> SharedScale:
    """Every row as int8 times one scale (the largest magnitude of all over 127), so that
    the integer product of two rows times the scale squared estimates their dot product."""
    top = float(np.abs(rows).max()) if rows.size else 0.0
    scale = top / 127.0 if top > 0 else 1.0
    values, _, errors, norms = _in_int8(rows, scale)
    squares = np.einsum("ij,ij->i", values, values, dtype=np.float64)  # integers: exact
    return SharedScale(values, scale, errors, norms, np.sqrt(squares) * scale)


def shifted(values: NDArray[np.int8]) -> NDArray[np.uint8]:
    """int8 values as the uint8 that ``MatMulInteger`` takes with zero point 128: v + 128,
    which in two's complement is v's bits with the top one flipped."""
    out: NDArray[np.uint8] = values.view(np.uint8) ^ np.uint8(_ZERO)
    return out


def _session(model: bytes, threads: int) -> Any:
    """An onnxruntime session of ``model`` with the encoder's options (no idle spinning)."""
    import onnxruntime as ort  # imported by the first command that needs it

    return ort.InferenceSession(model, sess_options=session_options(threads),
                                providers=["CPUExecutionProvider"])


@functools.cache
def exact_signed() -> bool:
    """Whether onnxruntime multiplies uint8 by int8 exactly on this processor, tried once a
    process on the worst case (every value 255 against 127 and -127, one row and a block).
    x86 without VNNI adds the products in pairs in 16 bits, which saturate: on an AMD EPYC
    Zen 3 the integer products were off by up to 1e5, so rows the search must compute
    exactly could be ruled out. uint8 by uint8 is widened to 16 bits first: exact."""
    k, n = 384, 64
    right = np.where(np.arange(k * n).reshape(k, n) % 3 == 0, -127, 127).astype(np.int8)
    session = _session(matmul_integer_model(right), 1)
    for rows in (1, 16):
        left = np.full((rows, k), 255, dtype=np.uint8)
        left[:, ::5] = 1
        truth = (left.astype(np.int64) - _ZERO) @ right.astype(np.int64)
        if not np.array_equal(session.run(None, {"query": left})[0], truth):
            return False
    return True


class Int8Product:
    """Rows in int8 times a constant int8 matrix's rows, by onnxruntime: the matrix is packed
    once, when the session is made (an input instead is packed on every call: four times
    slower for one query, 1.4 times for a block of a thousand rows). ``unsigned`` (by
    default where ``exact_signed`` is false) runs the uint8 x uint8 kernel: on an AMD EPYC
    Zen 3, 1.22 against 1.60 ms for one query of 84,485 rows, 13.6 against 12.0 ms for a
    block of 1,024 x 4,096."""

    def __init__(self, right: NDArray[np.int8], *, threads: int | None = None,
                 unsigned: bool | None = None) -> None:
        self.columns = len(right)
        self.unsigned = not exact_signed() if unsigned is None else unsigned
        model = matmul_integer_model(np.ascontiguousarray(right.T), unsigned=self.unsigned)
        self._session = _session(model, threads or (os.cpu_count() or 1))

    def run(self, left: NDArray[np.uint8]) -> NDArray[np.int32]:
        """The products of ``left``'s rows (int8 shifted to uint8: ``shifted``) with every
        row of the matrix, one row of the result per row of ``left``."""
        out: NDArray[np.int32] = self._session.run(None, {"query": left})[0]
        return out

    def run_into(self, left: NDArray[np.uint8], out: NDArray[np.int32]) -> None:
        """``run`` written into ``out`` (C-contiguous, len(left) x columns): a buffer kept
        from block to block is not faulted in and zeroed afresh each time."""
        if out.shape != (len(left), self.columns) or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous rows x columns int32 array")
        binding = self._session.io_binding()
        binding.bind_cpu_input("query", np.ascontiguousarray(left))
        binding.bind_output("product", "cpu", 0, np.int32, list(out.shape), out.ctypes.data)
        self._session.run_with_iobinding(binding)


class Int8Matrix:
    """A float32 matrix's rows in int8, multiplied by a query in one onnxruntime call.

    ``estimate(query)`` gives, for every row, the product of the two quantized vectors and a
    bound on how far it can be from the exact dot product of the float32 vectors (the row's
    and the query's quantization errors, each times the other vector's norm)."""

    def __init__(self, matrix: NDArray[np.float32], *, threads: int | None = None) -> None:
        values, self._scales, self._errors, self._norms = quantize(matrix)
        self._product = Int8Product(values, threads=threads)
        del values  # onnxruntime holds its own copy, packed

    def estimate(self, query: NDArray[np.float32]) -> Estimate:
        """Every row's product with ``query`` in int8, scaled back: the exact dot product of
        the float32 vectors lies within its bound (float64; a rounding margin is the
        caller's)."""
        q, (scale,), (error,), _ = quantize(query.reshape(1, -1))
        product = self._product.run(shifted(q))[0]
        estimate = product * (self._scales * scale)
        q_norm = float(np.linalg.norm(q[0].astype(np.float64) * scale))
        bound = self._norms * error + self._errors * q_norm
        return Estimate(estimate, bound)
