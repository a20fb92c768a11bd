"""The interpreter's address space (reviewtool.interp.memory)."""

from __future__ import annotations

import pytest

from reviewtool.interp import Memory, NotExecutable


def test_little_endian_round_trip():
    m = Memory()
    m.write(0x10000, 4, 0x11223344)
    assert m.read_bytes(0x10000, 4) == bytes([0x44, 0x33, 0x22, 0x11])
    assert m.read(0x10001, 2) == 0x2233


def test_write_masks_the_value_to_its_size():
    m = Memory()
    m.write(0x10000, 2, -1)
    m.write(0x10002, 1, 0x1FF)
    assert m.read(0x10000, 4) == 0x00FFFFFF


def test_access_across_a_page_boundary():
    m = Memory()
    m.write(0x10FFE, 8, 0x0102030405060708)
    assert m.read(0x10FFE, 8) == 0x0102030405060708
    assert m.read(0x11000, 1) == 0x06


def test_unwritten_memory_reads_zero_unless_strict():
    m = Memory()
    assert m.read(0x20000, 4) == 0
    m.strict = True
    with pytest.raises(NotExecutable) as exc:
        m.read(0x20000, 4)
    assert exc.value.reason == "fault"


def test_null_page_faults():
    m = Memory()
    for access in (lambda: m.read(8, 4), lambda: m.write(0, 4, 1),
                   lambda: m.read_bytes(100, 8), lambda: m.write_bytes(4095, b"x")):
        with pytest.raises(NotExecutable) as exc:
            access()
        assert exc.value.reason == "fault"


def test_null_page_is_ordinary_memory_when_allowed():
    m = Memory()
    m.fault_on_null = False
    m.write(0, 4, 7)
    assert m.read(0, 4) == 7


def test_page_limit_is_enforced():
    m = Memory(limit=3 * 4096)
    for page in range(3):
        m.write(0x100000 + page * 4096, 1, 1)
    with pytest.raises(NotExecutable) as exc:
        m.write(0x200000, 1, 1)
    assert exc.value.reason == "memory-limit"


def test_alloc_is_aligned_zeroed_and_named():
    m = Memory()
    a = m.alloc(10, 16, "first")
    b = m.alloc(100, 4096, "second")
    assert a % 16 == 0 and b % 4096 == 0 and b >= a + 10
    assert m.read_bytes(b, 100) == bytes(100)
    assert m.region_at(b + 50) == (b, 100, "second")
    assert m.region_at(a + 3)[2] == "first"


def test_set_heap_moves_allocations():
    m = Memory()
    m.set_heap(0xC0100000, 0xC0400000)
    assert 0xC0100000 <= m.alloc(64) < 0xC0400000


def test_huge_alloc_hits_the_limit():
    m = Memory(limit=1 << 20)
    with pytest.raises(NotExecutable) as exc:
        m.alloc(8 << 20)
    assert exc.value.reason == "memory-limit"


def test_snapshot_is_independent():
    m = Memory()
    m.write(0x10000, 4, 1)
    s = m.snapshot()
    m.write(0x10000, 4, 2)
    s.write(0x30000, 4, 3)
    assert (m.read(0x10000, 4), s.read(0x10000, 4), m.read(0x30000, 4)) == (2, 1, 0)


def test_diff_lists_maximal_runs_of_bytes():
    m = Memory()
    m.write(0x10000, 4, 0x11111111)
    other = m.snapshot()
    other.write(0x10001, 2, 0x2222)
    other.write(0x50000, 1, 9)
    assert m.diff(other) == [(0x10001, b"\x11\x11", b"\x22\x22"), (0x50000, b"\x00", b"\x09")]
    assert m.diff(m.snapshot()) == []


def test_unmap_forgets_pages():
    m = Memory()
    m.write(0x30000000, 4, 5)
    m.unmap(0x30000000, 0x1000000)
    assert m.read(0x30000000, 4) == 0 and m.used == 0
