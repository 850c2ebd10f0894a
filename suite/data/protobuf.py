"""Minimal proto2 wire-format codec for NAS-Bench-101's ``ModelMetrics`` (no protobuf package).

The messages, as in nasbench's ``model_metrics.proto``::

    message ModelMetrics {
      repeated EvaluationData evaluation_data = 1;
      optional int32 trainable_parameters = 2;
      optional double total_time = 3;
    }
    message EvaluationData {
      optional double current_epoch = 1;
      optional double training_time = 2;
      optional double train_accuracy = 3;
      optional double validation_accuracy = 4;
      optional double test_accuracy = 5;
      optional string checkpoint_path = 6;
    }

Decoding follows protobuf's rules where they matter for real files: fields may come in any
order, a repeated singular field keeps its last value, and unknown fields of every wire type
(varint, 64-bit, length-delimited, groups, 32-bit) -- or known field numbers arriving with an
unexpected wire type -- are skipped. EC-NAS-Bench's files rely on this: their ModelMetrics
carries extra energy fields. Unlike protobuf, an *absent* optional field decodes to ``None``
(not 0.0), so a converter can store NaN instead of a fake zero.

A malformed payload (truncated varint or field, bad length, invalid wire type, unbalanced group,
invalid UTF-8 in ``checkpoint_path``) raises :class:`suite.errors.CorruptRecord`; callers add
file and offset context.

The encoder exists to write fixtures in the official layout; it emits fields in field-number
order, as protobuf does, and can append raw extra bytes (e.g. unknown fields).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..errors import CorruptRecord

__all__ = [
    "EvaluationData",
    "ModelMetrics",
    "decode_model_metrics",
    "encode_model_metrics",
    "encode_evaluation_data",
    "encode_varint",
    "encode_key",
]

_DOUBLE = struct.Struct("<d")
_unpack_double = _DOUBLE.unpack_from

# wire types
VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5


@dataclass(slots=True)
class EvaluationData:
    """One evaluation point of a training run; accuracies are fractions in [0, 1], times seconds."""

    current_epoch: float | None = None
    training_time: float | None = None
    train_accuracy: float | None = None
    validation_accuracy: float | None = None
    test_accuracy: float | None = None
    checkpoint_path: str | None = None


@dataclass(slots=True)
class ModelMetrics:
    """All evaluation points of one training run plus run-level statistics."""

    evaluation_data: list[EvaluationData] = field(default_factory=list)
    trainable_parameters: int | None = None
    total_time: float | None = None


# -- decoding ----------------------------------------------------------------------------------------


def _malformed(what: str, pos: int) -> CorruptRecord:
    return CorruptRecord(f"malformed ModelMetrics protobuf: {what} at payload byte {pos}")


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """(value, new position) of the varint at ``pos``; at most 10 bytes, as protobuf."""
    result = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise _malformed("truncated varint", start)
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise _malformed("varint longer than 10 bytes", start)


def _skip(buf: bytes, pos: int, end: int, wire: int, number: int, depth: int = 0) -> int:
    """Position after the value of an unknown field of wire type ``wire``."""
    if wire == VARINT:
        return _varint(buf, pos, end)[1]
    if wire == I64:
        new = pos + 8
    elif wire == I32:
        new = pos + 4
    elif wire == LEN:
        length, pos = _varint(buf, pos, end)
        new = pos + length
    elif wire == SGROUP:
        if depth > 64:
            raise _malformed("groups nested too deeply", pos)
        while True:
            if pos >= end:
                raise _malformed(f"unterminated group {number}", pos)
            key, pos = _varint(buf, pos, end)
            if key & 7 == EGROUP:
                if key >> 3 != number:
                    raise _malformed("mismatched end-group", pos)
                return pos
            pos = _skip(buf, pos, end, key & 7, key >> 3, depth + 1)
    else:
        raise _malformed(f"invalid wire type {wire} for field {number}", pos)
    if new > end:
        raise _malformed(f"field {number} runs past the end", pos)
    return new


def _decode_eval(buf: bytes, pos: int, end: int) -> EvaluationData:
    out = EvaluationData()
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == I64 and 1 <= number <= 5:
            if pos + 8 > end:
                raise _malformed(f"truncated double field {number}", pos)
            value = _unpack_double(buf, pos)[0]
            pos += 8
            if number == 1:
                out.current_epoch = value
            elif number == 2:
                out.training_time = value
            elif number == 3:
                out.train_accuracy = value
            elif number == 4:
                out.validation_accuracy = value
            else:
                out.test_accuracy = value
        elif wire == LEN and number == 6:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise _malformed("checkpoint_path runs past the end", pos)
            try:
                out.checkpoint_path = buf[pos : pos + length].decode("utf-8")
            except UnicodeDecodeError:
                raise _malformed("invalid UTF-8 in checkpoint_path", pos) from None
            pos += length
        elif number == 0:
            raise _malformed("field number 0", pos)
        else:
            pos = _skip(buf, pos, end, wire, number)
    return out


def decode_model_metrics(data: bytes) -> ModelMetrics:
    """Decode a serialized ``ModelMetrics`` message."""
    buf = bytes(data)
    pos, end = 0, len(buf)
    out = ModelMetrics()
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 1 and wire == LEN:
            length, pos = _varint(buf, pos, end)
            stop = pos + length
            if stop > end:
                raise _malformed("evaluation_data runs past the end", pos)
            out.evaluation_data.append(_decode_eval(buf, pos, stop))
            pos = stop
        elif number == 2 and wire == VARINT:
            value, pos = _varint(buf, pos, end)
            value &= 0xFFFFFFFF  # int32: protobuf truncates to 32 bits, then sign-extends
            out.trainable_parameters = value - (1 << 32) if value >= 1 << 31 else value
        elif number == 3 and wire == I64:
            if pos + 8 > end:
                raise _malformed("truncated total_time", pos)
            out.total_time = _unpack_double(buf, pos)[0]
            pos += 8
        elif number == 0:
            raise _malformed("field number 0", pos)
        else:
            pos = _skip(buf, pos, end, wire, number)
    return out


# -- encoding (fixtures) -----------------------------------------------------------------------------


def encode_varint(value: int) -> bytes:
    """Varint bytes of a non-negative int or a negative int64 (two's complement, 10 bytes)."""
    value &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_key(number: int, wire: int) -> bytes:
    """Field key (tag) bytes."""
    return encode_varint((number << 3) | wire)


def _double(number: int, value: float | None) -> bytes:
    return b"" if value is None else encode_key(number, I64) + _DOUBLE.pack(value)


def encode_evaluation_data(ev: EvaluationData, extra: bytes = b"") -> bytes:
    """Serialized ``EvaluationData``; ``extra`` (raw field bytes) is appended."""
    out = (
        _double(1, ev.current_epoch)
        + _double(2, ev.training_time)
        + _double(3, ev.train_accuracy)
        + _double(4, ev.validation_accuracy)
        + _double(5, ev.test_accuracy)
    )
    if ev.checkpoint_path is not None:
        raw = ev.checkpoint_path.encode("utf-8")
        out += encode_key(6, LEN) + encode_varint(len(raw)) + raw
    return out + extra


def encode_model_metrics(metrics: ModelMetrics, extra: bytes = b"") -> bytes:
    """Serialized ``ModelMetrics``; ``extra`` (raw field bytes, e.g. unknown fields) is appended."""
    parts = []
    for ev in metrics.evaluation_data:
        body = encode_evaluation_data(ev)
        parts.append(encode_key(1, LEN) + encode_varint(len(body)) + body)
    if metrics.trainable_parameters is not None:
        parts.append(encode_key(2, VARINT) + encode_varint(int(metrics.trainable_parameters)))
    parts.append(_double(3, metrics.total_time))
    return b"".join(parts) + extra
