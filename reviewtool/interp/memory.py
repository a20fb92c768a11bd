"""A sparse, byte-addressed, little-endian 32-bit address space for the interpreter.

Memory is a dictionary of 4 KiB pages (``bytearray``), created when first written or mapped.
Reading a page nobody wrote gives zeroes, unless ``strict`` is set: then it is a fault, like an
access to an unmapped page. Addresses wrap at 32 bits.

* ``read(addr, size)`` / ``write(addr, size, value)``: unsigned little-endian integers, the
  value masked to ``size`` bytes; ``read_bytes`` / ``write_bytes`` for struct values and blocks.
* ``alloc(size, align, name, zero)``: a bump allocator in the heap region, ``[0x10000000,
  0x20000000)`` unless the world moves it with ``set_heap(start, end)`` (the world of the i386
  model puts it in the kernel's direct mapping, so that ``__pa``/``__va`` work on what it
  allocates). Every allocation is recorded with its name, for :meth:`region_at`.
* ``map(addr, size)`` backs a range with zero pages (``strict`` reads there are fine).
* ``fault_on_null`` (default ``True``): an access inside ``[0, 4096)`` raises
  ``NotExecutable("fault", ...)``: a NULL dereference is a verdict, not a zero.
* The bound: pages backed (by writes, ``map`` and ``alloc``) may not exceed ``limit`` bytes;
  the page that would cross it raises ``NotExecutable("memory-limit", ...)``.
* ``snapshot()`` copies the pages (a copy of every backed page: cheap for the few hundred pages
  a paging model uses) so that the same start state can be run twice; ``diff(other)`` lists
  ``(addr, mine, theirs)`` for every maximal run of differing bytes, ``mine`` and ``theirs``
  being ``bytes`` of equal length (a page backed on one side only compares against zeroes).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from typing import Optional

from . import NotExecutable

__all__ = ["Memory", "PAGE", "HEAP_START", "HEAP_END"]

PAGE = 4096
HEAP_START = 0x10000000
HEAP_END = 0x20000000
_MASK32 = 0xFFFFFFFF


class Memory:
    """The address space (see the module manual)."""

    def __init__(self, limit: int = 64 << 20):
        self.limit = limit
        self.pages: dict[int, bytearray] = {}
        self.fault_on_null = True
        self.strict = False
        self.heap_start = HEAP_START
        self.heap_end = HEAP_END
        self.brk = HEAP_START
        self._regions: list[tuple[int, int, str]] = []   # sorted (start, size, name)

    # ---------------------------------------------------------------- pages
    def _new_page(self, number: int) -> bytearray:
        if (len(self.pages) + 1) * PAGE > self.limit:
            raise NotExecutable("memory-limit",
                                f"memory limit ({_mib(self.limit)}) reached at "
                                f"0x{(number * PAGE) & _MASK32:08x}")
        page = self.pages[number] = bytearray(PAGE)
        return page

    def _absent(self, addr: int) -> None:
        if self.strict:
            raise NotExecutable("fault", f"read of unmapped memory at 0x{addr:08x}")

    def _null(self, addr: int, size: int, what: str) -> None:
        raise NotExecutable("fault", f"{what} of {size} bytes at 0x{addr:08x} "
                                     f"(NULL pointer dereference)")

    # ---------------------------------------------------------------- access
    def read(self, addr: int, size: int) -> int:
        """Unsigned little-endian integer of ``size`` bytes at ``addr``."""
        # fast path first: a backed page above the NULL page, no page boundary crossed
        # (page numbers of addresses outside [0, 2**32) are never backed)
        page = self.pages.get(addr >> 12)
        off = addr & 0xFFF
        if page is not None and off + size <= PAGE and addr >= PAGE:
            return int.from_bytes(page[off:off + size], "little")
        if off + size <= PAGE and 0 <= addr <= _MASK32:
            if addr < PAGE and self.fault_on_null:
                self._null(addr, size, "read")
            if page is None:
                self._absent(addr)
                return 0
            return int.from_bytes(page[off:off + size], "little")
        return int.from_bytes(self.read_bytes(addr, size), "little")

    def write(self, addr: int, size: int, value: int) -> None:
        """Store ``value`` (masked to ``size`` bytes) little-endian at ``addr``."""
        page = self.pages.get(addr >> 12)
        off = addr & 0xFFF
        if page is not None and off + size <= PAGE and addr >= PAGE:
            page[off:off + size] = (value & ((1 << (size * 8)) - 1)).to_bytes(size, "little")
            return
        if off + size <= PAGE and 0 <= addr <= _MASK32:
            if addr < PAGE and self.fault_on_null:
                self._null(addr, size, "write")
            if page is None:
                page = self._new_page(addr >> 12)
            page[off:off + size] = (value & ((1 << (size * 8)) - 1)).to_bytes(size, "little")
            return
        self.write_bytes(addr, (value & ((1 << (size * 8)) - 1)).to_bytes(size, "little"))

    def read_bytes(self, addr: int, n: int) -> bytes:
        addr &= _MASK32
        if n <= 0:
            return b""
        if addr < PAGE and self.fault_on_null:
            self._null(addr, n, "read")
        off = addr & 0xFFF
        if off + n <= PAGE:
            page = self.pages.get(addr >> 12)
            if page is None:
                self._absent(addr)
                return bytes(n)
            return bytes(page[off:off + n])
        out = bytearray()
        while n > 0:
            off = addr & 0xFFF
            chunk = min(n, PAGE - off)
            page = self.pages.get(addr >> 12)
            if page is None:
                self._absent(addr)
                out += bytes(chunk)
            else:
                out += page[off:off + chunk]
            addr = (addr + chunk) & _MASK32
            n -= chunk
        return bytes(out)

    def write_bytes(self, addr: int, data: bytes) -> None:
        addr &= _MASK32
        n = len(data)
        if n == 0:
            return
        if addr < PAGE and self.fault_on_null:
            self._null(addr, n, "write")
        pos = 0
        while pos < n:
            off = addr & 0xFFF
            chunk = min(n - pos, PAGE - off)
            page = self.pages.get(addr >> 12)
            if page is None:
                page = self._new_page(addr >> 12)
            page[off:off + chunk] = data[pos:pos + chunk]
            addr = (addr + chunk) & _MASK32
            pos += chunk

    def fill(self, addr: int, n: int, byte: int = 0) -> None:
        """``memset``: ``n`` bytes of ``byte`` from ``addr``."""
        if n > 0:
            if n > self.limit:
                raise NotExecutable("memory-limit",
                                    f"memory limit ({_mib(self.limit)}): fill of {n} bytes")
            self.write_bytes(addr, bytes([byte & 0xFF]) * n)

    def map(self, addr: int, size: int) -> None:
        """Back ``[addr, addr + size)`` with zero pages (existing contents stay)."""
        if size <= 0:
            return
        addr &= _MASK32
        first, last = addr >> 12, min((addr + size - 1) >> 12, _MASK32 >> 12)
        missing = [p for p in range(first, last + 1) if p not in self.pages]
        if (len(self.pages) + len(missing)) * PAGE > self.limit:
            raise NotExecutable("memory-limit", f"memory limit ({_mib(self.limit)}): "
                                                f"{size} bytes at 0x{addr & _MASK32:08x}")
        for p in missing:
            self.pages[p] = bytearray(PAGE)

    def unmap(self, addr: int, size: int) -> None:
        """Drop the pages of ``[addr, addr + size)`` (they read as zeroes again)."""
        first, last = addr >> 12, (addr + size - 1) >> 12
        if last - first > len(self.pages):
            for p in [p for p in self.pages if first <= p <= last]:
                del self.pages[p]
        else:
            for p in range(first, last + 1):
                self.pages.pop(p, None)

    # ---------------------------------------------------------------- allocation
    def set_heap(self, start: int, end: int) -> None:
        """Move the heap region; later :meth:`alloc` calls take memory from it."""
        self.heap_start, self.heap_end = start & _MASK32, end
        self.brk = self.heap_start

    def alloc(self, size: int, align: int = 8, name: str = "", zero: bool = True) -> int:
        """``size`` bytes from the heap, backed and zeroed; returns the address.

        ``zero=False`` leaves whatever bytes the pages already held (fresh pages are zero
        anyway: the model has no garbage)."""
        size = max(int(size), 1)
        align = max(int(align), 1)
        start = (self.brk + align - 1) // align * align
        if start + size > self.heap_end:
            raise NotExecutable("memory-limit", f"heap exhausted: {size} bytes for "
                                                f"{name or 'an allocation'}")
        if size > self.limit:
            raise NotExecutable("memory-limit", f"memory limit ({_mib(self.limit)}): "
                                                f"allocation of {size} bytes")
        self.map(start, size)
        if zero:
            self.write_bytes(start, bytes(size))
        self.brk = start + size
        self.note_region(start, size, name)
        return start

    def note_region(self, start: int, size: int, name: str) -> None:
        """Record that ``[start, start + size)`` holds ``name`` (for :meth:`region_at`)."""
        insort(self._regions, (start, size, name))

    def region_at(self, addr: int) -> Optional[tuple[int, int, str]]:
        """``(start, size, name)`` of the recorded region holding ``addr``."""
        i = bisect_right(self._regions, (addr, float("inf"), "")) - 1
        while i >= 0:
            start, size, name = self._regions[i]
            if start <= addr < start + max(size, 1):
                return self._regions[i]
            if start + 0x100000 < addr:
                break
            i -= 1
        return None

    @property
    def used(self) -> int:
        """Bytes backed."""
        return len(self.pages) * PAGE

    # ---------------------------------------------------------------- states
    def snapshot(self) -> "Memory":
        """An independent copy (pages, heap state, regions, flags)."""
        other = Memory.__new__(Memory)
        other.limit = self.limit
        other.pages = {k: bytearray(v) for k, v in self.pages.items()}
        other.fault_on_null = self.fault_on_null
        other.strict = self.strict
        other.heap_start, other.heap_end, other.brk = self.heap_start, self.heap_end, self.brk
        other._regions = list(self._regions)
        return other

    def diff(self, other: "Memory") -> list[tuple[int, bytes, bytes]]:
        """Maximal runs of bytes that differ: ``(addr, bytes here, bytes in other)``."""
        out: list[tuple[int, bytes, bytes]] = []
        zero = bytes(PAGE)
        for number in sorted(set(self.pages) | set(other.pages)):
            mine = self.pages.get(number, zero)
            theirs = other.pages.get(number, zero)
            if mine == theirs:
                continue
            base = number * PAGE
            i = 0
            while i < PAGE:
                if mine[i] == theirs[i]:
                    i += 1
                    continue
                j = i
                while j < PAGE and mine[j] != theirs[j]:
                    j += 1
                addr = base + i
                if out and out[-1][0] + len(out[-1][1]) == addr:
                    prev = out.pop()
                    out.append((prev[0], prev[1] + bytes(mine[i:j]), prev[2] + bytes(theirs[i:j])))
                else:
                    out.append((addr, bytes(mine[i:j]), bytes(theirs[i:j])))
                i = j
        return out


def _mib(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"
