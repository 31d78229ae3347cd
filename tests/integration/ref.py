"""ref.py - an independent reference reader for ND4J arrays (FORMAT.md section 2), written
separately from the C codec so that integration tests compare dl4jfs's views against it."""
import struct
import numpy as np

_TYPES = {"FLOAT": ">f4", "DOUBLE": ">f8", "HALF": ">f2", "INT": ">i4", "LONG": ">i8",
          "SHORT": ">i2", "BYTE": "i1", "UBYTE": "u1", "BOOL": "u1", "UINT16": ">u2",
          "UINT32": ">u4", "UINT64": ">u8"}


def _utf(b, p):
    n = struct.unpack_from(">H", b, p)[0]
    return b[p + 2:p + 2 + n].decode(), p + 2 + n


def _buffer(b, p):
    mode, p = _utf(b, p)
    if mode in ("JAVACPP", "DIRECT", "HEAP"):
        n = struct.unpack_from(">i", b, p)[0]; p += 4
    else:
        n = struct.unpack_from(">q", b, p)[0]; p += 8
    typ, p = _utf(b, p)
    if typ == "BFLOAT16":
        raw = np.frombuffer(b, ">u2", n, p).astype(np.uint32) << 16
        return raw.view(np.float32), p + 2 * n
    dt = np.dtype(_TYPES[typ])
    return np.frombuffer(b, dt, n, p), p + dt.itemsize * n


def read_array(b):
    """Returns (array with logical shape, addressed through the stored strides)."""
    info, p = _buffer(b, 0)
    info = info.astype(np.int64)
    rank = int(info[0])
    shape = [int(x) for x in info[1:1 + rank]]
    stride = [int(x) for x in info[1 + rank:1 + 2 * rank]]
    data, _ = _buffer(b, p)
    if rank == 0:
        return data.reshape(())
    idx = np.zeros(shape, dtype=np.int64)
    for d in range(rank):
        sh = [1] * rank
        sh[d] = shape[d]
        idx = idx + (np.arange(shape[d]) * stride[d]).reshape(sh)
    return data[idx]
