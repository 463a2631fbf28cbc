"""Bounded reading: decompressed streams handed out in pieces of bounded size,
lines read up to a cap, and streams read up to a cap.

However small a compressed file is, nothing here holds more than a bounded
piece of what it expands to: gzip is inflated with zlib's ``max_length`` (the
rest of the input waits for the next read), zstd through zstandard's stream
reader (its output is as large as the read asks for, never a whole frame or
block run). A line longer than the cap is passed over in bounded pieces
(:func:`read_line`), so that the next line is still read.
"""

from __future__ import annotations

import io
import os
import zlib
from pathlib import Path
from typing import IO, Any

PIECE = 1 << 20  # what one read of decompressed data hands out at most
READ_CHUNK = 1 << 20
_RAW_READ = 1 << 16
ZSTD_MAX_WINDOW = 1 << 31  # zstd --long=31, the format's largest window


class TruncatedInput(OSError):
    """A compressed stream that ends inside a gzip member or zstd frame."""


class ZstdFrames:
    """Follows the frames of a zstd stream (RFC 8878, section 3.1) as its bytes
    pass, to tell whether the stream ended between two frames: zstandard's
    stream reader stops without a word where a file was cut off inside one."""

    MAGIC = 0xFD2FB528

    def __init__(self) -> None:
        self.buf = bytearray()
        self.need = 4  # bytes of the current header to collect
        self.state = "magic"
        self.skip = 0  # bytes of a block body (or skippable frame) still to pass
        self.checksum = False
        self.broken = False  # not zstd: the decompressor will say so

    @property
    def complete(self) -> bool:
        """Whether the bytes so far end at a frame's end (or are not zstd at all)."""
        return self.broken or (self.state == "magic" and not self.buf and not self.skip)

    def feed(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n and not self.broken:
            if self.skip:
                k = min(self.skip, n - i)
                self.skip -= k
                i += k
                if not self.skip and self.state == "body":
                    self._after_body()
                continue
            k = min(self.need - len(self.buf), n - i)
            self.buf += data[i : i + k]
            i += k
            if len(self.buf) == self.need:
                head = bytes(self.buf)
                self.buf.clear()
                self._header(head)

    def _header(self, head: bytes) -> None:
        state = self.state
        if state == "magic":
            magic = int.from_bytes(head, "little")
            if magic == self.MAGIC:
                self.state, self.need = "descriptor", 1
            elif magic & 0xFFFFFFF0 == 0x184D2A50:
                self.state, self.need = "skippable", 4
            else:
                self.broken = True
        elif state == "skippable":
            self.skip = int.from_bytes(head, "little")
            self.state, self.need = "magic", 4
        elif state == "descriptor":
            d = head[0]
            fcs, single, self.checksum, did = d >> 6, (d >> 5) & 1, bool((d >> 2) & 1), d & 3
            size = (0 if single else 1) + (0, 1, 2, 4)[did] + ((1 if single else 0), 2, 4, 8)[fcs]
            self.state, self.need = "block", 3
            if size:
                self.state, self.need = "frame-header", size
        elif state == "frame-header":
            self.state, self.need = "block", 3
        elif state == "block":
            h = int.from_bytes(head, "little")
            self.last, kind, size = h & 1, (h >> 1) & 3, h >> 3
            if kind == 3:
                self.broken = True
                return
            self.skip = 1 if kind == 1 else size
            self.state = "body"
            if not self.skip:
                self._after_body()
        elif state == "checksum":
            self.state, self.need = "magic", 4

    def _after_body(self) -> None:
        if not self.last:
            self.state, self.need = "block", 3
        elif self.checksum:
            self.state, self.need = "checksum", 4
        else:
            self.state, self.need = "magic", 4


class _Tap(io.RawIOBase):
    """A file whose bytes are shown to a :class:`ZstdFrames` as they are read."""

    def __init__(self, fh: IO[bytes], frames: ZstdFrames) -> None:
        self._fh, self._frames = fh, frames

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n if n and n > 0 else _RAW_READ)
        self._frames.feed(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class DecompressingRaw(io.RawIOBase):
    """Decompressed bytes of a stream of gzip members or zstd frames, handed out
    as they come, at most :data:`PIECE` bytes a read, so that everything before
    damage is delivered; the read after the last good byte raises
    :class:`TruncatedInput` (Python's gzip and zstandard's reader drop or
    swallow that tail)."""

    def __init__(self, fh: IO[bytes], codec: str) -> None:
        self._fh = fh
        self._codec = codec
        self._obj: Any = None
        self._pending = b""  # compressed input not yet given to zlib
        self._buf = memoryview(b"")
        self._eof = False
        self.total_out = 0
        if codec == "zst":
            import zstandard

            self._zstd = zstandard
            self._frames = ZstdFrames()
            dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
            self._reader = dctx.stream_reader(
                _Tap(fh, self._frames),  # type: ignore[arg-type]
                read_size=_RAW_READ,
                read_across_frames=True,
                closefd=False,
            )

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._codec == "zst":
            return self._readinto_zst(b)
        while not self._buf:
            if self._eof:
                return 0
            self._fill()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self.total_out += n
        return n

    def _readinto_zst(self, b: Any) -> int:
        if self._eof:
            return 0
        view = memoryview(b)[:PIECE]
        try:
            n = self._reader.readinto(view)
        except self._zstd.ZstdError as exc:
            raise OSError(f"zstd: {exc}") from exc
        if n == 0:
            self._eof = True
            if not self._frames.complete:
                raise TruncatedInput("the zstd data ends inside a frame (file truncated?)")
        self.total_out += n
        return n

    def _fill(self) -> None:
        """Inflate the next piece (gzip: one member after another)."""
        while True:
            obj = self._obj
            if not self._pending:
                if obj is not None and not obj.eof:
                    out = obj.decompress(b"", PIECE)  # what zlib still holds from earlier input
                    if out:
                        self._buf = memoryview(out)
                        return
                self._pending = self._fh.read(_RAW_READ)
                if not self._pending:
                    self._eof = True
                    if obj is not None and not obj.eof:
                        raise TruncatedInput("the gzip data ends inside a member (file truncated?)")
                    return
            if obj is None or obj.eof:
                if obj is not None and not self._pending.strip(b"\0"):
                    self._pending = b""  # zero padding after the last member
                    continue
                obj = self._obj = zlib.decompressobj(47)  # gzip (or zlib) header, one member
            try:
                out = obj.decompress(self._pending, PIECE)
            except zlib.error as exc:
                raise OSError(f"gzip: {exc}") from exc
            self._pending = obj.unused_data if obj.eof else obj.unconsumed_tail
            if out:
                self._buf = memoryview(out)
                return


def codec_of(name: str | Path) -> str | None:
    """The compression a file name says: ``"gz"`` (``.gz``), ``"zst"`` (``.zst``, ``.zstd``) or None."""
    low = str(name).lower()
    if low.endswith(".gz"):
        return "gz"
    if low.endswith((".zst", ".zstd")):
        return "zst"
    return None


def decompressing(raw: IO[bytes], name: str | Path) -> IO[bytes]:
    """The decompressed bytes of ``raw`` (any binary file: a local file, an input
    stream of pyarrow's file systems, ``io.BytesIO``) as the compression ``name``
    says (:func:`codec_of`; ``raw`` itself when none), read in bounded pieces
    (:class:`DecompressingRaw`): what precedes damage is read, then a read raises
    :class:`TruncatedInput` (cut off inside a member or frame) or OSError (corrupt)."""
    codec = codec_of(name)
    if codec is None:
        return raw
    return io.BufferedReader(DecompressingRaw(raw, codec), buffer_size=READ_CHUNK)


def open_binary(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(reader of decompressed bytes, the underlying file for position)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    try:
        return decompressing(raw, path), raw
    except BaseException:
        raw.close()
        raise


def read_line(fh: IO[bytes], cap: int) -> tuple[bytes, int]:
    """The next line, newline included (b"" at the end), and its length.

    A line longer than ``cap`` (0: no cap) is not kept: it is read to its end in
    bounded pieces and returned as b"" with its full length, so that the caller
    can say how large it was and go on with the next line.
    """
    if not cap:
        line = fh.readline()
        return line, len(line)
    line = fh.readline(cap + 1)
    if len(line) <= cap or line.endswith(b"\n"):
        return line, len(line)
    size = len(line)
    del line
    while True:
        piece = fh.readline(PIECE)
        size += len(piece)
        if not piece or piece.endswith(b"\n"):
            return b"", size


def read_capped(fh: IO[bytes], cap: int) -> tuple[bytes | None, int]:
    """(everything ``fh`` holds, its length), or (None, bytes read) when it
    holds more than ``cap`` (0: no cap): reading stops at ``cap + 1`` bytes."""
    parts: list[bytes] = []
    size = 0
    limit = cap + 1 if cap else -1
    while limit < 0 or size < limit:
        piece = fh.read(min(READ_CHUNK, limit - size) if limit > 0 else READ_CHUNK)
        if not piece:
            break
        parts.append(piece)
        size += len(piece)
    if cap and size > cap:
        return None, size
    return b"".join(parts), size


SMALL_FILE = 64 << 20  # a config, rule pack, word list or run summary larger than this is not one


def read_small(path: str | Path, what: str = "file", cap: int = SMALL_FILE) -> bytes:
    """The bytes of a file that should be small (a config, a rule pack, a
    word list), read up to ``cap``: a larger one, or a device that never ends
    (``--config /dev/zero``), raises OSError instead of filling memory."""
    fh, _ = open_nonblocking(Path(path))
    with fh:
        data, size = read_capped(fh, cap)
    if data is None:
        raise OSError(f"{what} larger than {cap:,} bytes; not read")
    return data


def open_nonblocking(path: Path) -> tuple[IO[bytes], os.stat_result]:
    """A file opened for reading without blocking on a FIFO (O_NONBLOCK), and
    its status (fstat): the caller checks it is what it expected."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        return os.fdopen(fd, "rb"), st
    except BaseException:
        os.close(fd)
        raise
