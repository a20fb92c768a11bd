"""The bundled executable model of i386 paging (Linux 2.6.21) that extracted kernel C runs on.

reviewtool proves or refutes a suspected behaviour change by running a function of the tree
before and after a patch on the *same* model state and comparing what happened. This module is
that model: a small i386 machine with physical memory, page tables, processes, the slab, page
and quicklist allocators, spinlocks and the paravirt hooks, all laid out in the interpreter's
:class:`~reviewtool.interp.memory.Memory` so that the kernel's own code reads and writes them.

Usage::

    scenario = scenarios(pae=False, paravirt=False)[0]
    program = build_model_program(tree, ["arch/i386/mm/pgtable.c", "arch/i386/mm/fault.c"],
                                  config_for(scenario))        # or any Program of that class
    world = World(program, scenario)
    world.setup()                     # memory, swapper_pg_dir, processes, vmalloc mappings
    outcome = world.run("vmalloc_sync_all")            # Outcome(result, events, error, steps, bug)
    world.state(), world.invariants()
    world.run("pgd_alloc", world.arguments("pgd_alloc"))   # arguments chosen by the world

One world serves one sequence of runs; for a comparison build one world per program on the same
scenario (setup takes a few milliseconds). :meth:`World.setup` runs the program's own code
(``pgtable_cache_init``, ``pgd_alloc``); a ``NotExecutable`` or :class:`KernelBug` there
propagates: the world cannot be built for that program. :meth:`World.run` never raises for the
code's sake.

Building the program
====================

:func:`build_model_program` preprocesses each path under the configuration, expands it with
:func:`~reviewtool.interp.program.sources_from_unit` plus :func:`model_macros` (macros of the
headers the sample tree lacks: ``page_private``/``set_page_private`` as lvalues, GFP flags,
``cpu_has_pse``; and ``read_cr2``/``read_cr3``/``write_cr3`` as model builtins where the tree
defines them as inline asm), and adds :func:`model_prelude`: ``struct page``, ``struct
mm_struct``, ``struct kmem_cache``, ``struct list_head`` and the ``extern`` s the model
provides (``init_mm``, ``mem_map``, ``high_memory``...). A program built otherwise works as far
as it declares what it uses (an undeclared ``init_mm`` is ``unmodelled-global``).

Scenarios
=========

A :class:`Scenario` fixes everything a run depends on besides the code:

``pae``, ``paravirt``
    the configuration class (``CONFIG_X86_PAE``, ``CONFIG_PARAVIRT``); the program must have
    been built for the same class and split (:func:`config_for` gives the assignment).
``shared_kernel_pmd``
    what the paravirt backend asks for (``False`` for 2-level, ``True`` for PAE without
    paravirt, either with paravirt). The world writes it into
    ``paravirt_ops.shared_kernel_pmd`` when the program's ``struct paravirt_ops`` has that
    member; whether pgds *do* share the kernel pmd is up to the code (see ``needs_sync``).
``split``
    ``"3G/1G"``, ``"2G/2G"`` or ``"1G/3G"``: ``PAGE_OFFSET`` 0xC0000000, 0x80000000, 0x40000000
    (``TASK_SIZE`` equals it). A hex ``PAGE_OFFSET`` such as ``"0x78000000"`` (the corpus
    Kconfig's ``VMSPLIT_2G``) is accepted too.
``processes``
    how many process pgds exist (made by the program's own ``pgd_alloc()``).
``seed``
    varies the machine: low memory of 16, 24 or 32 MB (so ``VMALLOC_START`` falls on an even or
    an odd pgd entry), the first 4 MB mapped by a page table or by a large page.
``fail_alloc_after``
    during :meth:`World.run`, allocation requests (``kmem_cache_alloc``, ``__get_free_page(s)``,
    ``get_zeroed_page``, ``alloc_pages``, ``quicklist_alloc``) after this many succeed fail
    (``None``: never), to reach ``out_oom`` paths. Setup never fails an allocation.
``vmalloc_mappings``
    how many vmalloc mappings are made after the processes, from ``VMALLOC_START`` on, each in
    a pgd entry (2-level) or pmd entry (PAE) of its own, consecutive, so processes lack them.

:func:`scenarios` gives a small deterministic set (12 by default) whose first six already cover
each split, 1-3 processes, with and without allocation failure, and shared and unshared kernel
pmd where paravirt allows both.

The machine
===========

Physical memory is ``lowmem`` bytes mapped at ``PAGE_OFFSET``, so ``__pa``/``__va`` hold for
everything the kernel code touches. The first MB is reserved; 1-4 MB is the "kernel image",
the interpreter's heap: the program's globals and static locals, string literals, the world's
``init_mm``, slab cache descriptors, mm_structs. Page frames above come from the world's page
allocator, in order, never reused within a world. ``mem_map`` is an array of ``struct page``
(the program's layout: the prelude's ``flags, _count, _mapcount, private, mapping, index,
lru``, 32 bytes); boot-time frames are ``PageReserved``. ``high_memory`` is the end of low
memory, ``VMALLOC_START`` is ``(high_memory + 2*VMALLOC_OFFSET-1) & ~(VMALLOC_OFFSET-1)`` as in
``pgtable.h`` (``vmalloc_earlyreserve`` is 0).

``swapper_pg_dir`` is page aligned. 2-level: 1024 entries of 4 bytes; the direct map of low
memory in 4 MB large pages (``_PAGE_PSE``; with some seeds the first 4 MB through a page table
of ``_PAGE_TABLE``), one page table for the fixmaps at the top (``FIXADDR_TOP`` 0xfffff000).
PAE: 4 entries of 8 bytes; user entries point to ``empty_zero_page`` (``__pa | 1``, as
``pagetable_init`` leaves them), kernel entries to kernel pmd pages (``__pa(pmd) | 1``) of 512
entries mapping low memory in 2 MB large pages, plus the fixmap page table.
``init_mm.pgd = swapper_pg_dir``; ``cr3`` is ``__pa`` of process 1's pgd.

Processes: ``pgtable_cache_init()`` once, then ``pgd_alloc(mm)`` per process, when the program
defines them, so ``pgd_ctor`` puts each pgd on ``pgd_list`` exactly as the tree does;
otherwise (or with ``setup(by_hand=True)``) in Python the 2.6.21 way. Then the vmalloc
mappings: a pte page with one present pte, installed in ``swapper_pg_dir`` (2-level) or in its
kernel pmd (PAE), which processes with their own kernel entries do not see yet.

Allocators
==========

Slab: ``kmem_cache_create`` records the cache; ``kmem_cache_alloc`` takes a free constructed
object or makes a slab: one page of ``PAGE_SIZE // size`` objects (size rounded to the
alignment), every object constructed by calling ``ctor(obj, cache, SLAB_CTOR_CONSTRUCTOR)``
through the interpreter, as 2.6.21 does. ``kmem_cache_free`` returns the object; a slab all of
whose objects are free is destroyed at once (``dtor`` for each object, page freed), a legal
slab policy. Constructed objects of a pgd cache are pgds of the model even while free (they
stay on ``pgd_list`` in the kernel too). Pages: ``__GFP_ZERO`` and ``get_zeroed_page`` zero.
Quicklists (2.6.22 ``<linux/quicklist.h>``, one CPU): ``quicklist_alloc`` pops a page (its
first word cleared) or takes a zeroed page and runs ``ctor``; ``quicklist_free`` pushes it
(the link in its first word), ``quicklist_trim`` frees the surplus with ``dtor``.

Builtins and events
===================

:meth:`World.builtins` maps the names the corpus calls but does not define to Python functions
acting on the model. Every builtin call appends at least one :class:`Event`; ``locks`` is the
tuple of spinlocks held at that moment, by name (``pgd_lock``, ``cpa_lock``). Kinds:

``lock``, ``unlock``
    ``spin_lock*``/``spin_unlock*`` (the ``flags`` argument is ignored). Taking a held lock is
    a deadlock, releasing a free one a bug: both end the run with a ``bug`` event.
``call``
    a primitive with an effect (``memcpy``, ``memset``, TLB flushes, ``write_cr3``, ``set_bit``,
    a slab ``ctor``/``dtor`` about to run...); ``detail`` names the arguments symbolically
    (``pgd#2+0xc00``, ``swapper_pg_dir+0xc00``, ``pte#1|0x67`` for an entry value) so that the
    traces of two runs compare.
``query``
    a lookup without effect (``page_address``, ``pfn_to_page``, ``test_bit``, ``read_cr3``,
    ``likely``, a false ``BUG_ON``): kept so that the trace is complete; easy to filter out.
``printk``
    the format string.
``alloc``, ``free``, ``alloc-fail``
    slab, page and quicklist allocators; ``what`` is the object's name (``pgd#3``, ``pmd#1``,
    ``page#7``): names count per kind from 1, so the same scenario gives the same names.
``hook``
    a call through ``paravirt_ops`` (``what`` is the member, ``detail`` the native and the
    arguments, pfns by owner): at setup every function pointer member is routed through a
    builtin that records the event and then runs the native the table held. Natives that
    cannot run (undefined, or inline asm: cr2/cr3, TLB flushes, interrupt flags) act on the
    model instead; any other undefined native is an ``unmodelled-call``.
``set-pgd``, ``set-pmd``
    entries of a watched table changed (``swapper_pg_dir``, every pgd of the model and the pmd
    pages they point to): observed before and after every builtin call and at the end of the
    run, so ``locks`` are the locks held while it happened, whether the store was C or
    ``memcpy``.
``list-add``, ``list-del``
    ``pgd_list`` gained or lost a pgd (observed the same way).
``bug``
    ``BUG()``, a true ``BUG_ON()``, ``panic()``, a deadlock, a bad or double free: the run ends
    there (:class:`KernelBug`; ``Outcome.bug`` says it, ``Outcome.error`` stays ``None``).

An unmodelled function is never guessed: it is not in :meth:`World.builtins`, and the
interpreter ends the run with ``NotExecutable("unmodelled-call")`` naming it.

What the model checks (:meth:`World.invariants`)
================================================

* every pgd of the model sees every vmalloc mapping: its pgd entry (2-level) or pmd entry (PAE)
  for the address equals ``swapper_pg_dir``'s ("process 2 does not see vmalloc mapping at
  0xc1800000 (pgd entry 774 differs from swapper_pg_dir)");
* every pgd shares the kernel's other mappings (direct map, fixmaps): outside the vmalloc area
  its kernel entries equal swapper's; inside it an entry may be missing, never different;
* ``pgd_list`` is well formed (``page->index`` chain, ``page_private`` back pointers) and holds
  exactly the pgds that need syncing (:meth:`World.needs_sync`: every pgd with 2-level paging,
  with PAE those whose kernel pgd entries are not swapper's own);
* no lock is held at the end, interrupts are not left disabled;
* no ``BUG``/``BUG_ON`` fired, no bad or double free.

Not modelled: highmem and kmap, user mappings (user pgd entries and user pmds are allocated,
never filled), SMP and interrupts (one CPU, locks never contend), the TLB's contents (flushes
are events), slab reaping other than immediate destruction of free slabs, CPU registers other
than cr2/cr3 and the interrupt flag, ``list_for_each_entry`` (a macro the sample tree lacks;
``global_flush_tlb`` does not parse).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from . import Limits, NotExecutable
from .ctypes_ import Func, Int, Pointer, Struct, find_field, sizeof
from .interp import Interpreter
from .memory import Memory

__all__ = [
    "Event", "Outcome", "Scenario", "World", "Geometry", "KernelBug", "SPLITS", "scenarios",
    "config_for", "build_model_program", "model_prelude", "model_macros", "MODEL_MACROS",
    "MODEL_ASM_MACROS", "MODEL_PRELUDE_PATH",
]

Builtin = Callable[[Any, list], Any]

SPLITS: dict[str, int] = {"3G/1G": 0xC0000000, "2G/2G": 0x80000000, "1G/3G": 0x40000000}

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1) & 0xFFFFFFFF
VMALLOC_OFFSET = 8 << 20

_PAGE_PRESENT = 0x001
_PAGE_RW = 0x002
_PAGE_USER = 0x004
_PAGE_ACCESSED = 0x020
_PAGE_DIRTY = 0x040
_PAGE_PSE = 0x080
_PAGE_GLOBAL = 0x100
_PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY
_KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY
_PAGE_KERNEL = _PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED
_PAGE_KERNEL_LARGE = _PAGE_KERNEL | _PAGE_PSE | _PAGE_GLOBAL

# struct page flag bits (2.6.21 page-flags.h)
PG_reserved = 10
PG_private = 11
PG_highmem = 8

IMAGE_START = 1 << 20          # physical start of the kernel image / interpreter heap
IMAGE_END = 4 << 20            # physical end of it; page frames start here
FIXADDR_TOP = 0xFFFFF000


# -------------------------------------------------------------------------------------------
# Records
# -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    """One thing that happened during a run, with the spinlocks held when it happened."""

    kind: str
    what: str
    detail: str = ""
    locks: tuple[str, ...] = ()
    # the C function that made the call (``clone_pgd_range`` for its memcpy); not compared
    function: str = field(default="", compare=False)

    def __str__(self) -> str:
        held = f" [under {', '.join(self.locks)}]" if self.locks else ""
        detail = f" ({self.detail})" if self.detail else ""
        where = f" in {self.function}()" if self.function else ""
        return f"{self.kind} {self.what}{detail}{where}{held}"


@dataclass(frozen=True)
class Outcome:
    """What :meth:`World.run` observed: the return value, the events, why it stopped early."""

    result: Any
    events: tuple[Event, ...]
    error: NotExecutable | None
    steps: int
    bug: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A model state to run on (see the module manual, "Scenarios")."""

    pae: bool
    paravirt: bool
    shared_kernel_pmd: bool
    split: str = "3G/1G"
    processes: int = 2
    seed: int = 0
    fail_alloc_after: int | None = None
    vmalloc_mappings: int = 2

    @property
    def page_offset(self) -> int:
        if self.split in SPLITS:
            return SPLITS[self.split]
        try:
            return int(self.split, 16)
        except ValueError:
            raise ValueError(f"unknown split {self.split!r}") from None

    @property
    def lowmem(self) -> int:
        return (16, 24, 32)[self.seed % 3] << 20

    @property
    def first_4m_ptes(self) -> bool:
        return (self.seed // 3) % 2 == 1

    def describe(self) -> str:
        bits = [("PAE" if self.pae else "2-level"), self.split,
                f"{self.processes} process{'es' if self.processes != 1 else ''}",
                f"{self.lowmem >> 20}MB lowmem"]
        if self.pae:
            bits.append("shared kernel pmd" if self.shared_kernel_pmd else "unshared kernel pmd")
        if self.paravirt:
            bits.append("paravirt")
        if self.fail_alloc_after is not None:
            bits.append(f"allocation {self.fail_alloc_after + 1} and later fail")
        plural = "s" if self.vmalloc_mappings != 1 else ""
        bits.append(f"{self.vmalloc_mappings} vmalloc mapping{plural}")
        return ", ".join(bits)


def scenarios(pae: bool, paravirt: bool, count: int = 12, seed: int = 0) -> list[Scenario]:
    """A small deterministic set of scenarios for one configuration class.

    The first six already cover each split with and without allocation failure, 1-3 processes
    and both kernel pmd modes where both exist (PAE with paravirt).
    """
    splits = ("3G/1G", "2G/2G", "1G/3G")
    if pae and paravirt:
        shared_opts: tuple[bool, ...] = (True, False)
    else:
        shared_opts = (pae,)
    out: list[Scenario] = []
    for i in range(count):
        # the scenario's own seed: low memory size and first-4MB mapping vary independently
        # of the split (see Scenario.lowmem, Scenario.first_4m_ptes)
        j = (i // 3 + seed) % 3 + 3 * ((i // 2 + seed) % 2) + 6 * (i + 12 * seed)
        split = splits[i % 3]
        processes = 1 + (i + i // 3 + seed) % 3
        fail = None if i % 2 == 0 else (0, 1, 2)[(i // 2 + seed) % 3]
        shared = shared_opts[(i // 2 + i // 6 + seed) % len(shared_opts)]
        out.append(Scenario(pae=pae, paravirt=paravirt, shared_kernel_pmd=shared, split=split,
                            processes=processes, seed=j, fail_alloc_after=fail,
                            vmalloc_mappings=2))
    return out


def config_for(scenario: Scenario) -> dict[str, str]:
    """The ``CONFIG_`` assignment a program must be built with to run on ``scenario``."""
    return {"CONFIG_X86_PAE": "y" if scenario.pae else "n",
            "CONFIG_PARAVIRT": "y" if scenario.paravirt else "n",
            "CONFIG_PAGE_OFFSET": f"0x{scenario.page_offset:08X}"}


class KernelBug(Exception):
    """Raised by a builtin to end the run: BUG(), BUG_ON(), panic(), deadlock, bad free."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -------------------------------------------------------------------------------------------
# Definitions for the headers the sample tree lacks
# -------------------------------------------------------------------------------------------

#: Macros of headers the sample tree lacks (<linux/mm.h>, <linux/gfp.h>, <linux/errno.h>...)
#: that are better macros than builtins (``page_private`` is an lvalue in pageattr.c). They
#: apply only where the unit does not define the name; the interpreter's own defaults
#: (``likely``, ``DECLARE_BITMAP``, ``DEFINE_SPINLOCK``...) come under them.
MODEL_MACROS: dict[str, str] = {
    "LIST_HEAD_INIT(name)": "{ &(name), &(name) }",
    "LIST_HEAD(name)": "struct list_head name = LIST_HEAD_INIT(name)",
    "page_private(page)": "((page)->private)",
    "set_page_private(page,v)": "((page)->private = (v))",
    "GFP_KERNEL": "0xd0",
    "__GFP_HIGHMEM": "0x02",
    "__GFP_REPEAT": "0x400",
    "__GFP_ZERO": "0x8000",
    "SLAB_CTOR_CONSTRUCTOR": "0x001",
    "EINVAL": "22",
    "ENOMEM": "12",
    "cpu_has_pse": "1",
    "cpu_has_clflush": "0",
}

#: CPU primitives whose tree definition is inline asm: the model provides them as builtins
#: (``read_cr3()`` reads the model's cr3). Used instead of the tree's definition only when
#: that definition is asm.
MODEL_ASM_MACROS: dict[str, str] = {
    "read_cr2()": "__model_read_cr2()",
    "read_cr3()": "__model_read_cr3()",
    "write_cr3(x)": "__model_write_cr3(x)",
}

_GFP_ZERO = 0x8000


def _macro_table(table: Mapping[str, str]) -> dict[str, Any]:
    from reviewtool.variants import _lex  # noqa: PLC0415 - the same parser as #define
    from reviewtool.variants.preprocess import Macro  # noqa: PLC0415

    out: dict[str, Any] = {}
    for head, body in table.items():
        parsed = _lex.parse_define(f"{head} {body}")
        if parsed is None:
            continue
        name, params, variadic, pbody = parsed
        out[name] = Macro(name, params, pbody, variadic, "<model>", 0)
    return out


def model_macros(unit_macros: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The macros the model adds to a unit's table (as ``Macro`` records, for
    :func:`~reviewtool.interp.program.sources_from_unit`'s ``extra_macros``): those of
    :data:`MODEL_MACROS` the unit lacks, and :data:`MODEL_ASM_MACROS` where the unit's
    definition is inline asm."""
    have = unit_macros or {}
    out = {k: v for k, v in _macro_table(MODEL_MACROS).items() if k not in have}
    for name, macro in _macro_table(MODEL_ASM_MACROS).items():
        mine = have.get(name)
        if mine is None or "asm" in getattr(mine, "body", ""):
            out[name] = macro
    return out


def model_prelude() -> str:
    """C declarations of the kernel objects the model provides and the sample tree lacks.

    Appended as one more file (``<model>/world.h``) to the program, after the tree's files so
    that ``pgd_t`` is known.
    """
    return """
struct list_head { struct list_head *next, *prev; };
struct page {
	unsigned long flags;
	int _count;
	int _mapcount;
	unsigned long private;
	void *mapping;
	unsigned long index;
	struct list_head lru;
};
struct kmem_cache {
	const char *name;
	unsigned int size;
	unsigned int align;
	unsigned long flags;
	void *ctor;
	void *dtor;
	unsigned int id;
	unsigned int pad;
};
struct mm_struct {
	pgd_t *pgd;
	int mm_users;
	int mm_count;
	int map_count;
	spinlock_t page_table_lock;
	unsigned long task_size;
	unsigned long pad[3];
};
extern struct mm_struct init_mm;
extern struct page *mem_map;
extern void *high_memory;
extern unsigned long vmalloc_earlyreserve;
extern unsigned long max_low_pfn;
extern unsigned long max_mapnr;
extern unsigned long num_physpages;
extern char _etext[];
"""


MODEL_PRELUDE_PATH = "<model>/world.h"


def build_model_program(tree: Any, paths: Sequence[str], config: Mapping[str, str],
                        arch: str = "i386", substitutions: Sequence[tuple[str, str]] = ()):
    """Preprocess and expand ``paths`` of ``tree`` under ``config`` with the model's macros and
    prelude, and build one program of them (``substitutions``: text edits applied to each
    expanded file, for mutation tests)."""
    from reviewtool.interp.program import build_program, sources_from_unit  # noqa: PLC0415
    from reviewtool.variants.config import Configuration  # noqa: PLC0415
    from reviewtool.variants.preprocess import FileVariant, preprocess  # noqa: PLC0415

    cfg = config if isinstance(config, Configuration) else Configuration(dict(config))
    texts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in paths:
        unit = preprocess(tree, path, cfg, arch=arch)
        if substitutions:
            files = []
            for f in unit.files:
                text = f.text
                for old, new in substitutions:
                    text = text.replace(old, new)
                files.append(FileVariant(f.path, text, f.kept))
            unit = replace(unit, files=tuple(files))
        for fpath, text in sources_from_unit(unit, model_macros(unit.macros)):
            if fpath not in seen:
                seen.add(fpath)
                texts.append((fpath, text))
    prelude = model_prelude()
    if "CONFIG_PAGE_OFFSET" not in cfg:
        # The split left open: PAGE_OFFSET is a variable the world sets per scenario
        # (World.setup), so one program serves every user/kernel split.
        prelude += "extern unsigned long CONFIG_PAGE_OFFSET;\n"
    texts.append((MODEL_PRELUDE_PATH, prelude))
    return build_program(texts)


# -------------------------------------------------------------------------------------------
# Geometry
# -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Geometry:
    """The paging constants of one configuration (2.6.21 pgtable-{2,3}level-defs.h)."""

    pae: bool
    page_offset: int

    @property
    def pgdir_shift(self) -> int:
        return 30 if self.pae else 22

    @property
    def pgdir_size(self) -> int:
        return 1 << self.pgdir_shift

    @property
    def ptrs_per_pgd(self) -> int:
        return 4 if self.pae else 1024

    @property
    def ptrs_per_pmd(self) -> int:
        return 512 if self.pae else 1

    @property
    def ptrs_per_pte(self) -> int:
        return 512 if self.pae else 1024

    @property
    def pmd_shift(self) -> int:
        return 21 if self.pae else 22

    @property
    def pmd_size(self) -> int:
        return 1 << self.pmd_shift

    @property
    def entry_size(self) -> int:
        return 8 if self.pae else 4

    @property
    def task_size(self) -> int:
        return self.page_offset

    @property
    def user_ptrs_per_pgd(self) -> int:
        return self.task_size // self.pgdir_size

    def pgd_index(self, address: int) -> int:
        return (address >> self.pgdir_shift) & (self.ptrs_per_pgd - 1)

    def pmd_index(self, address: int) -> int:
        return (address >> self.pmd_shift) & (self.ptrs_per_pmd - 1)

    def pte_index(self, address: int) -> int:
        return (address >> PAGE_SHIFT) & (self.ptrs_per_pte - 1)

    def pa(self, vaddr: int) -> int:
        return (vaddr - self.page_offset) & 0xFFFFFFFF

    def va(self, paddr: int) -> int:
        return (paddr + self.page_offset) & 0xFFFFFFFF


@dataclass
class _Cache:
    """A slab cache of the model."""

    name: str
    size: int
    align: int
    ctor: int
    dtor: int
    addr: int
    per_slab: int
    free: list[int] = field(default_factory=list)        # constructed free objects
    slabs: dict[int, set[int]] = field(default_factory=dict)   # slab page -> live objects
    count: int = 0


@dataclass
class _Object:
    name: str
    kind: str          # "slab" | "page"
    size: int
    cache: str = ""


_STRUCT_PAGE_DEFAULT = {"flags": 0, "_count": 4, "_mapcount": 8, "private": 12,
                        "mapping": 16, "index": 20, "lru": 24, "__size__": 32}


# -------------------------------------------------------------------------------------------
# The world
# -------------------------------------------------------------------------------------------

class World:
    """The i386 machine one program runs on (see the module manual)."""

    def __init__(self, program: Any, scenario: Scenario, limits: Limits = Limits()):
        self.program = program
        self.scenario = scenario
        self.limits = limits
        self.geo = Geometry(scenario.pae, scenario.page_offset)
        self.events: list[Event] = []
        self.held: list[str] = []
        self.irq_disabled = 0
        self.cr3 = 0
        self.cr2 = 0
        self.memory = Memory(limits.memory)
        g = self.geo
        self.memory.set_heap(g.va(IMAGE_START), g.va(IMAGE_END))
        # physical frames the world hands out
        self.nr_pages = scenario.lowmem >> PAGE_SHIFT
        self._next_pfn = IMAGE_END >> PAGE_SHIFT
        self.frames: dict[int, str] = {}           # pfn -> owner name
        self.objects: dict[int, _Object] = {}       # live allocations (address -> object)
        self.freed: dict[int, _Object] = {}
        self.counters: dict[str, int] = {}
        self.caches: dict[int, _Cache] = {}
        self.quicklists: dict[int, list[int]] = {}
        self.pgds: list[int] = []                   # every constructed pgd the world knows
        self.processes: list[tuple[str, int, int]] = []   # (name, mm, pgd)
        self.vmalloc: list[int] = []
        self.fixmap_address = FIXADDR_TOP - PAGE_SIZE
        self.bugs: list[str] = []
        self.n_alloc = 0
        self.n_free = 0
        self.n_alloc_fail = 0
        self._requests = 0
        self._inject = False
        self._in_setup = False
        self._bug: str | None = None
        self._watch: dict[int, tuple[str, str, int, bytes]] = {}   # addr -> (kind, name, n, bytes)
        self._watch_pages: dict[int, bytes] = {}                  # page number -> contents
        self._watch_by_page: dict[int, set[int]] = {}             # page number -> tables
        self._list_seen: tuple[int, ...] = ()
        self._hooks: dict[int, tuple[str, int]] = {}
        self.mem_map = 0
        self.swapper = 0
        self.init_mm = 0
        self._setup_objects: set[int] = set()
        self.pgd_list_addr = 0
        self.vmalloc_start = 0
        self._page_layout = dict(_STRUCT_PAGE_DEFAULT)
        self._builtins = self.builtins()
        self.interp = Interpreter(program, self.memory, self._builtins, limits)
        self.page_offset = g.page_offset

    # ------------------------------------------------------------------ naming
    def _name(self, kind: str) -> str:
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        return f"{kind}#{n}"

    def describe(self, addr: int) -> str:
        """A symbolic name for an address: ``pgd#2+0xc00``, ``swapper_pg_dir``, ``mem_map[12]``."""
        addr &= 0xFFFFFFFF
        if addr == 0:
            return "NULL"
        g = self.geo
        if self.mem_map and self.mem_map <= addr < self.mem_map + self.nr_pages * self._page_size:
            pfn, off = divmod(addr - self.mem_map, self._page_size)
            owner = self.frames.get(pfn)
            base = f"page({owner})" if owner else f"mem_map[{pfn}]"
            return base if off == 0 else f"{base}+{off:#x}"
        region = self.memory.region_at(addr)
        if region is not None:
            start, _size, name = region
            if name:
                return name if addr == start else f"{name}+{addr - start:#x}"
        try:
            sym = self.interp.symbol_at(addr)
        except Exception:  # noqa: BLE001 - naming must never fail a run
            sym = None
        if sym:
            return sym
        if g.page_offset <= addr < g.page_offset + self.scenario.lowmem:
            return f"lowmem {g.pa(addr):#x}"
        return f"{addr:#x}"

    @property
    def _page_size(self) -> int:
        return self._page_layout["__size__"]

    # ------------------------------------------------------------------ program queries
    def _has_function(self, name: str) -> bool:
        functions = getattr(self.program, "functions", {}) or {}
        fn = functions.get(name)
        if fn is None:
            return False
        return getattr(fn, "body", True) is not None

    def _global(self, name: str):
        return (getattr(self.program, "globals", {}) or {}).get(name)

    def _defined_global(self, name: str) -> bool:
        g = self._global(name)
        if g is None:
            return False
        return not getattr(g, "is_extern", False)

    def _global_address(self, name: str) -> int | None:
        try:
            addr = self.interp.global_address(name)
        except Exception:  # noqa: BLE001
            return None
        return addr or None

    def _global_type(self, name: str):
        try:
            return self.interp.type_of_global(name)
        except Exception:  # noqa: BLE001
            g = self._global(name)
            return getattr(g, "type", None) or getattr(g, "ctype", None)

    def _struct(self, name: str):
        structs = getattr(self.program, "structs", {}) or {}
        s = structs.get(name)
        if s is not None and getattr(s, "is_complete", True):
            return s
        return None

    def _field_offset(self, struct, name: str) -> int | None:
        if struct is None:
            return None
        hit = find_field(struct, name)
        return None if hit is None else hit[0]

    def _where(self) -> str:
        for attr in ("current_function", "function_name"):
            value = getattr(self.interp, attr, None)
            if isinstance(value, str) and value:
                return value
        stack = getattr(self.interp, "stack", None) or getattr(self.interp, "frames", None)
        if stack:
            top = stack[-1]
            for attr in ("name", "function"):
                value = getattr(top, attr, None)
                if isinstance(value, str):
                    return value
                if value is not None and isinstance(getattr(value, "name", None), str):
                    return value.name
        return ""

    # ------------------------------------------------------------------ events
    def _event(self, kind: str, what: str, detail: str = "") -> None:
        self.events.append(Event(kind, what, detail, tuple(self.held), self._where()))

    def _fire(self, message: str) -> None:
        """A kernel BUG: record it and end the run."""
        where = self._where()
        text = f"{message} in {where}" if where and " in " not in message else message
        self._bug = text
        self.bugs.append(text)
        self._event("bug", message.split(":")[0].split(" ")[0], text)
        raise KernelBug(text)

    def _observe(self) -> None:
        """Turn changes of watched page tables and of pgd_list since the last look into events
        (the locks held now are the ones held while they happened)."""
        if self._in_setup:
            return
        pages = self.memory.pages
        for number, cached in list(self._watch_pages.items()):
            now = pages.get(number)
            if now is None or now == cached:
                continue
            self._watch_pages[number] = bytes(now)
            base = number << PAGE_SHIFT
            for addr in sorted(self._watch_by_page.get(number, ())):
                kind, name, n, old = self._watch[addr]
                new = bytes(now[addr - base:addr - base + n])
                if new != old:
                    self._table_changed(addr, kind, name, n, old, new)
        if self.pgd_list_addr:
            now_list = tuple(self._walk_pgd_list()[0])
            if now_list != self._list_seen:
                before, after = set(self._list_seen), set(now_list)
                for page in now_list:
                    if page not in before:
                        self._event("list-add", "pgd_list", self._pgd_name_of_page(page))
                for page in self._list_seen:
                    if page not in after:
                        self._event("list-del", "pgd_list", self._pgd_name_of_page(page))
                self._list_seen = now_list

    def _table_changed(self, addr: int, kind: str, name: str, n: int, old: bytes,
                       new: bytes) -> None:
        self._watch[addr] = (kind, name, n, new)
        size = self.geo.entry_size
        changes = []
        for i in range(0, n, size):
            if new[i:i + size] != old[i:i + size]:
                value = int.from_bytes(new[i:i + size], "little")
                changes.append(f"[{i // size}]={self.describe_entry(value, kind)}")
                if kind == "pgd" and self.geo.pae and value & _PAGE_PRESENT:
                    self._watch_table(self.geo.va(value & 0xFFFFF000), "pmd",
                                      self._owner_name(value))
        self._event("set-pgd" if kind == "pgd" else "set-pmd", name, ", ".join(changes))

    def _watch_table(self, addr: int, kind: str, name: str) -> None:
        if addr in self._watch:
            return
        g = self.geo
        n = (g.ptrs_per_pgd if kind == "pgd" else g.ptrs_per_pmd) * g.entry_size
        self._watch[addr] = (kind, name, n, self.memory.read_bytes(addr, n))
        number = addr >> PAGE_SHIFT
        self._watch_by_page.setdefault(number, set()).add(addr)
        if number not in self._watch_pages:
            self.memory.map(number << PAGE_SHIFT, PAGE_SIZE)
            self._watch_pages[number] = bytes(self.memory.pages[number])

    def _unwatch(self, addr: int) -> None:
        self._watch.pop(addr, None)
        number = addr >> PAGE_SHIFT
        tables = self._watch_by_page.get(number)
        if tables is not None:
            tables.discard(addr)
            if not tables:
                del self._watch_by_page[number]
                self._watch_pages.pop(number, None)

    def _refresh_watch(self) -> None:
        """Take the watched tables as they are now (no events)."""
        for addr, (kind, name, n, _old) in list(self._watch.items()):
            self._watch[addr] = (kind, name, n, self.memory.read_bytes(addr, n))
            if kind == "pgd":
                self._watch_pgd(addr)
        for number in self._watch_pages:
            self.memory.map(number << PAGE_SHIFT, PAGE_SIZE)
            self._watch_pages[number] = bytes(self.memory.pages[number])

    def _owner_name(self, entry: int) -> str:
        pfn = (entry & 0xFFFFF000) >> PAGE_SHIFT
        return self.frames.get(pfn, f"frame {pfn:#x}")

    def describe_entry(self, value: int, kind: str = "pgd") -> str:
        """A page table entry in words: ``none``, ``pte#2|0x67``, ``phys 0x400000|0x1e3``."""
        if value == 0:
            return "none"
        flags = value & 0xFFF
        if value >> 32:
            flags |= value & ~0xFFFFFFFF
        phys = value & 0xFFFFF000
        if flags & _PAGE_PSE:
            return f"phys {phys:#x}|{flags:#x}"
        pfn = phys >> PAGE_SHIFT
        owner = self.frames.get(pfn)
        return f"{owner or f'phys {phys:#x}'}|{flags:#x}"

    # ------------------------------------------------------------------ builtins
    def builtins(self) -> dict[str, Builtin]:
        """The kernel primitives the corpus calls and does not define (module manual)."""
        b: dict[str, Builtin] = {}

        def wrap(kind: str, fn: Callable[..., Any], *, writes: bool = False,
                 record: bool = True) -> Builtin:
            def builtin(interp: Any, args: list) -> Any:
                self._observe()
                count = len(self.events)
                result = fn(*args)
                if len(self.events) == count:      # every builtin call leaves an event
                    self._event("call" if kind in ("alloc", "free", "lock", "unlock", "bug")
                                else kind, getattr(builtin, "c_name", builtin.__name__),
                                ", ".join(self._arg(a) for a in args))
                if writes:
                    self._observe()
                return result
            builtin.__name__ = getattr(fn, "__name__", "builtin")
            builtin.kind = kind  # type: ignore[attr-defined]
            return builtin

        # locks
        for name in ("spin_lock", "spin_lock_irq", "spin_lock_irqsave", "spin_lock_bh",
                     "_spin_lock", "_spin_lock_irqsave", "__raw_spin_lock"):
            b[name] = wrap("lock", self._mk_lock(name))
        for name in ("spin_unlock", "spin_unlock_irq", "spin_unlock_irqrestore",
                     "spin_unlock_bh", "_spin_unlock", "_spin_unlock_irqrestore",
                     "__raw_spin_unlock"):
            b[name] = wrap("unlock", self._mk_unlock(name))
        b["spin_lock_init"] = wrap("call", self._spin_lock_init, writes=True)
        b["spin_is_locked"] = wrap("query", self._spin_is_locked)
        b["local_irq_disable"] = wrap("call", self._irq("local_irq_disable", 1))
        b["local_irq_enable"] = wrap("call", self._irq("local_irq_enable", 0))
        b["irqs_disabled"] = wrap("query", self._q("irqs_disabled",
                                                   lambda: int(self.irq_disabled > 0)))
        # memory
        b["memset"] = wrap("call", self._memset, writes=True)
        b["memcpy"] = wrap("call", self._memcpy, writes=True)
        b["memmove"] = wrap("call", self._memcpy, writes=True)
        b["__builtin_memcpy"] = b["memcpy"]
        b["__builtin_memset"] = b["memset"]
        b["set_64bit"] = wrap("call", self._set_64bit, writes=True)
        b["xchg"] = wrap("call", self._xchg, writes=True)
        # page allocator
        b["__get_free_page"] = wrap("alloc", self._get_free_page, writes=True)
        b["__get_free_pages"] = wrap("alloc", self._get_free_pages, writes=True)
        b["get_zeroed_page"] = wrap("alloc", self._get_zeroed_page, writes=True)
        b["alloc_pages"] = wrap("alloc", self._alloc_pages, writes=True)
        b["alloc_page"] = wrap("alloc", lambda gfp: self._alloc_pages(gfp, 0), writes=True)
        b["free_page"] = wrap("free", lambda addr: self._free_pages(addr, 0), writes=True)
        b["free_pages"] = wrap("free", self._free_pages, writes=True)
        b["__free_page"] = wrap("free", lambda page: self._free_page_struct(page, 0), writes=True)
        b["__free_pages"] = wrap("free", self._free_page_struct, writes=True)
        # slab
        b["kmem_cache_create"] = wrap("call", self._kmem_cache_create)
        b["kmem_cache_alloc"] = wrap("alloc", self._kmem_cache_alloc, writes=True)
        b["kmem_cache_zalloc"] = wrap("alloc",
                                      lambda c, f: self._kmem_cache_alloc(c, f | _GFP_ZERO),
                                      writes=True)
        b["kmem_cache_free"] = wrap("free", self._kmem_cache_free, writes=True)
        # quicklists (2.6.22 <linux/quicklist.h>, one CPU)
        b["quicklist_alloc"] = wrap("alloc", self._quicklist_alloc, writes=True)
        b["quicklist_free"] = wrap("free", self._quicklist_free, writes=True)
        b["quicklist_trim"] = wrap("call", self._quicklist_trim, writes=True)
        # bugs
        b["BUG"] = wrap("bug", self._bug_builtin)
        b["BUG_ON"] = wrap("bug", self._bug_on)
        b["WARN_ON"] = wrap("call", self._warn_on)
        b["panic"] = wrap("bug", self._panic)
        # bit operations
        b["test_bit"] = wrap("query", self._test_bit)
        b["set_bit"] = wrap("call", self._bitop("set_bit", 1), writes=True)
        b["__set_bit"] = wrap("call", self._bitop("__set_bit", 1), writes=True)
        b["clear_bit"] = wrap("call", self._bitop("clear_bit", 0), writes=True)
        b["__clear_bit"] = wrap("call", self._bitop("__clear_bit", 0), writes=True)
        b["test_and_set_bit"] = wrap("call", self._test_and("test_and_set_bit", 1), writes=True)
        b["test_and_clear_bit"] = wrap("call", self._test_and("test_and_clear_bit", 0), writes=True)
        # struct page
        b["page_address"] = wrap("query", self._q("page_address", self._page_address))
        b["lowmem_page_address"] = b["page_address"]
        b["virt_to_page"] = wrap("query", self._q("virt_to_page", self._virt_to_page))
        b["pfn_to_page"] = wrap("query", self._q("pfn_to_page", self._pfn_to_page))
        b["page_to_pfn"] = wrap("query", self._q("page_to_pfn", self._page_to_pfn))
        b["page_private"] = wrap("query", self._q("page_private", self._page_private))
        b["set_page_private"] = wrap("call", self._set_page_private, writes=True)
        b["page_count"] = wrap("query", self._q("page_count",
                                                lambda p: self._page_field(p, "_count") + 1))
        b["PageHighMem"] = wrap("query", self._q("PageHighMem", lambda p: 0))
        b["PageReserved"] = wrap("query", self._q("PageReserved",
                                                  lambda p: self._page_flag(p, PG_reserved)))
        b["PagePrivate"] = wrap("query", self._q("PagePrivate",
                                                 lambda p: self._page_flag(p, PG_private)))
        b["SetPagePrivate"] = wrap("call", self._set_flag("SetPagePrivate", PG_private, 1),
                                   writes=True)
        b["ClearPagePrivate"] = wrap("call", self._set_flag("ClearPagePrivate", PG_private, 0),
                                     writes=True)
        b["SetPageReserved"] = wrap("call", self._set_flag("SetPageReserved", PG_reserved, 1),
                                    writes=True)
        b["ClearPageReserved"] = wrap("call", self._set_flag("ClearPageReserved", PG_reserved, 0),
                                      writes=True)
        # lists (struct list_head: next, prev)
        b["list_add"] = wrap("call", self._list_add, writes=True)
        b["list_add_tail"] = wrap("call", self._list_add_tail, writes=True)
        b["list_del"] = wrap("call", self._list_del, writes=True)
        b["INIT_LIST_HEAD"] = wrap("call", self._init_list_head, writes=True)
        b["list_empty"] = wrap("query", self._q("list_empty",
                                                lambda h: int(self.memory.read(h, 4) == h)))
        # CPU state, TLB, barriers
        b["read_cr3"] = wrap("query", self._q("read_cr3", lambda: self.cr3))
        b["read_cr2"] = wrap("query", self._q("read_cr2", lambda: self.cr2))
        b["write_cr3"] = wrap("call", self._write_cr3)
        b["__model_read_cr3"] = wrap("query", self._q("read_cr3", lambda: self.cr3))
        b["__model_read_cr2"] = wrap("query", self._q("read_cr2", lambda: self.cr2))
        b["__model_write_cr3"] = b["write_cr3"]
        for name in ("__flush_tlb", "__flush_tlb_all", "__flush_tlb_global", "flush_tlb_all",
                     "__native_flush_tlb", "__native_flush_tlb_global", "flush_tlb",
                     "wbinvd", "global_flush_tlb_model"):
            b[name] = wrap("call", self._flush(name))
        for name in ("__flush_tlb_one", "__flush_tlb_single", "__native_flush_tlb_single",
                     "flush_tlb_page_kernel"):
            b[name] = wrap("call", self._flush_one(name))
        b["flush_tlb_mm"] = wrap("call", self._flush_one("flush_tlb_mm"))
        for name in ("smp_wmb", "smp_mb", "smp_rmb", "wmb", "mb", "rmb", "barrier", "cpu_relax"):
            b[name] = wrap("query", self._q(name, lambda *a: None))
        b["likely"] = wrap("query", self._q("likely", lambda x: x))
        b["unlikely"] = wrap("query", self._q("unlikely", lambda x: x))
        b["printk"] = wrap("printk", self._printk)
        for name, builtin in b.items():
            if not hasattr(builtin, "c_name"):
                builtin.c_name = name  # type: ignore[attr-defined]
        return b

    # --- the primitives -------------------------------------------------------------------
    def _q(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def query(*args: Any) -> Any:
            result = fn(*args)
            shown = ", ".join(self._arg(a) for a in args)
            self._event("query", name, shown)
            return result
        query.__name__ = name
        return query

    def _arg(self, value: Any) -> str:
        if isinstance(value, (bytes, bytearray)):
            if len(value) in (4, 8):
                return self.describe_entry(int.from_bytes(value, "little"))
            return "{" + bytes(value).hex() + "}"
        if isinstance(value, int):
            if value > 0xFFFF and value <= 0xFFFFFFFF:
                return self.describe(value)
            return str(value)
        return str(value)

    def _lock_name(self, addr: int) -> str:
        return self.describe(addr)

    def _mk_lock(self, name: str) -> Callable[..., None]:
        def lock(addr: int, *flags: Any) -> None:
            lk = self._lock_name(addr)
            self._event("lock", lk, name)
            if lk in self.held:
                self._fire(f"deadlock: {name}({lk}) with {lk} already held")
            self.memory.write(addr, 4, 1)
            self.held.append(lk)
            if "irq" in name:
                self.irq_disabled += 1
        lock.__name__ = name
        return lock

    def _mk_unlock(self, name: str) -> Callable[..., None]:
        def unlock(addr: int, *flags: Any) -> None:
            lk = self._lock_name(addr)
            if lk not in self.held:
                self._event("unlock", lk, name)
                self._fire(f"unlock of a free lock: {name}({lk})")
            self.held.remove(lk)
            self.memory.write(addr, 4, 0)
            if "irq" in name and self.irq_disabled:
                self.irq_disabled -= 1
            self._event("unlock", lk, name)
        unlock.__name__ = name
        return unlock

    def _spin_lock_init(self, addr: int) -> None:
        self._event("call", "spin_lock_init", self.describe(addr))
        self.memory.write(addr, 4, 0)

    def _spin_is_locked(self, addr: int) -> int:
        self._event("query", "spin_is_locked", self.describe(addr))
        return int(self._lock_name(addr) in self.held)

    def _irq(self, name: str, disable: int) -> Callable[[], None]:
        def irq() -> None:
            self._event("call", name)
            self.irq_disabled = 1 if disable else 0
        return irq

    def _memset(self, dst: int, c: int, n: int) -> int:
        self._event("call", "memset", f"{self.describe(dst)}, {c & 0xFF}, {n}")
        self.memory.fill(dst, n & 0xFFFFFFFF, c & 0xFF)
        return dst

    def _memcpy(self, dst: int, src: int, n: int) -> int:
        self._event("call", "memcpy", f"{self.describe(dst)}, {self.describe(src)}, {n}")
        n &= 0xFFFFFFFF
        if n > self.memory.limit:
            raise NotExecutable("memory-limit", f"memcpy of {n} bytes")
        self.memory.write_bytes(dst, self.memory.read_bytes(src, n))
        return dst

    def _set_64bit(self, ptr: int, value: int) -> None:
        self._event("call", "set_64bit", f"{self.describe(ptr)}, {value:#x}")
        self.memory.write(ptr, 8, value)

    def _xchg(self, ptr: int, value: int) -> int:
        self._event("call", "xchg", f"{self.describe(ptr)}, {value:#x}")
        old = self.memory.read(ptr, 4)
        self.memory.write(ptr, 4, value)
        return old

    # --- page frames ----------------------------------------------------------------------
    def _frame(self, name: str, zero: bool = True, note: bool = True) -> int | None:
        """A free page frame in low memory, named; its virtual address (None when none left)."""
        if self._next_pfn >= self.nr_pages:
            return None
        pfn = self._next_pfn
        self._next_pfn += 1
        addr = self.geo.va(pfn << PAGE_SHIFT)
        self.memory.map(addr, PAGE_SIZE)
        if zero:
            self.memory.write_bytes(addr, bytes(PAGE_SIZE))
        if note:
            self.memory.note_region(addr, PAGE_SIZE, name)
        self.frames[pfn] = name
        return addr

    def _request(self, what: str) -> bool:
        """Count an allocation request; False when the scenario makes it fail."""
        if self._in_setup or not self._inject:
            return True
        self._requests += 1
        limit = self.scenario.fail_alloc_after
        if limit is not None and self._requests > limit:
            self.n_alloc_fail += 1
            self._event("alloc-fail", what, f"request {self._requests}")
            return False
        return True

    def _new_pages(self, gfp: int, order: int, kind: str) -> int:
        if not self._request(kind):
            return 0
        count = 1 << max(order, 0)
        name = self._name(kind)
        first = 0
        for i in range(count):
            addr = self._frame(name if i == 0 else f"{name}+{i}", zero=bool(gfp & _GFP_ZERO))
            if addr is None:
                self.n_alloc_fail += 1
                self._event("alloc-fail", kind, "out of memory")
                return 0
            first = first or addr
        self.objects[first] = _Object(name, "page", count * PAGE_SIZE)
        self.n_alloc += 1
        self._event("alloc", name, f"order {order}" + (", zeroed" if gfp & _GFP_ZERO else ""))
        return first

    def _get_free_page(self, gfp: int) -> int:
        return self._new_pages(gfp, 0, "page")

    def _get_free_pages(self, gfp: int, order: int) -> int:
        return self._new_pages(gfp, order, "page")

    def _get_zeroed_page(self, gfp: int) -> int:
        return self._new_pages(gfp | _GFP_ZERO, 0, "page")

    def _alloc_pages(self, gfp: int, order: int) -> int:
        addr = self._new_pages(gfp, order, "page")
        return self._virt_to_page(addr) if addr else 0

    def _release(self, addr: int, kind: str, what: str) -> _Object:
        obj = self.objects.pop(addr, None)
        if obj is None or obj.kind != kind:
            if addr in self.freed:
                self._event("free", self.freed[addr].name, what)
                self._fire(f"double free: {what}({self.describe(addr)})")
            self._event("free", self.describe(addr), what)
            self._fire(f"bad free: {what}({self.describe(addr)}) was not allocated")
        self.freed[addr] = obj
        self.n_free += 1
        return obj

    def _free_pages(self, addr: int, order: int) -> None:
        if addr == 0:
            return
        obj = self._release(addr, "page", "free_pages")
        self._event("free", obj.name, f"order {order}")
        self._forget_pgd(addr)

    def _free_page_struct(self, page: int, order: int) -> None:
        self._free_pages(self._page_address(page), order)

    # --- slab -----------------------------------------------------------------------------
    def _c_string(self, addr: int, limit: int = 64) -> str:
        if not addr:
            return ""
        raw = self.memory.read_bytes(addr, limit)
        return raw.split(b"\0", 1)[0].decode("latin-1")

    def _kmem_cache_create(self, name: int, size: int, align: int, flags: int,
                           ctor: int = 0, dtor: int = 0) -> int:
        cname = self._c_string(name) or f"cache{len(self.caches) + 1}"
        addr = self.memory.alloc(32, 8, f"{cname}_cache")
        align = max(align, 4)
        stride = (size + align - 1) // align * align
        per_slab = max(PAGE_SIZE // stride, 1) if stride <= PAGE_SIZE else 1
        self.caches[addr] = _Cache(cname, size, align, ctor, dtor, addr, per_slab)
        self.memory.write(addr + 4, 4, size)
        self.memory.write(addr + 8, 4, align)
        self.memory.write(addr + 16, 4, ctor)
        self.memory.write(addr + 20, 4, dtor)
        self._event("call", "kmem_cache_create",
                    f'"{cname}", size {size}, align {align}, ctor {self._fn_name(ctor)}, '
                    f"dtor {self._fn_name(dtor)}")
        return addr

    def _fn_name(self, addr: int) -> str:
        if not addr:
            return "NULL"
        try:
            fn = self.interp.function_at(addr)
        except Exception:  # noqa: BLE001
            fn = None
        if fn is None:
            return self.describe(addr)
        return fn if isinstance(fn, str) else getattr(fn, "name", str(fn))

    def _cache(self, addr: int, what: str) -> _Cache:
        cache = self.caches.get(addr)
        if cache is None:
            self._fire(f"bad cache: {what}({self.describe(addr)}) is no kmem_cache")
        return cache  # type: ignore[return-value]

    def _kmem_cache_alloc(self, cache_addr: int, flags: int) -> int:
        cache = self._cache(cache_addr, "kmem_cache_alloc")
        if not self._request(cache.name):
            return 0
        if not cache.free:
            cache.count += 1
            if cache.per_slab > 1:
                slab = self._frame(f"{cache.name}-slab#{cache.count}", zero=True, note=False)
                names = [self._name(cache.name) for _ in range(cache.per_slab)]
            else:
                names = [self._name(cache.name)]
                slab = self._frame(names[0], zero=True)
            if slab is None:
                self.n_alloc_fail += 1
                self._event("alloc-fail", cache.name, "out of memory")
                return 0
            cache.slabs[slab] = set()
            stride = (cache.size + cache.align - 1) // cache.align * cache.align
            objs = [slab + i * stride for i in range(cache.per_slab)]
            if cache.per_slab > 1:
                for obj, name in zip(objs, names):
                    self.memory.note_region(obj, cache.size, name)
            cache.free.extend(objs)
            if cache.ctor:
                for obj in objs:
                    self._event("call", "ctor",
                                f"{self._fn_name(cache.ctor)}({self.describe(obj)})")
                    self._constructing(cache, obj)
                    self.interp.call_pointer(cache.ctor, [obj, cache_addr, 1])
        obj = cache.free.pop(0)
        slab = obj & ~(PAGE_SIZE - 1)
        cache.slabs.setdefault(slab, set()).add(obj)
        name = self.describe(obj)
        self.objects[obj] = _Object(name, "slab", cache.size, cache.name)
        self.freed.pop(obj, None)
        self.n_alloc += 1
        self._event("alloc", name, cache.name)
        if flags & _GFP_ZERO:
            self.memory.write_bytes(obj, bytes(cache.size))
        return obj

    def _constructing(self, cache: _Cache, obj: int) -> None:
        """A pgd object about to be constructed: the world watches it as a pgd."""
        if self._is_pgd_cache(cache):
            self._add_pgd(obj)

    def _is_pgd_cache(self, cache: _Cache) -> bool:
        return cache.name == "pgd" or self._fn_name(cache.ctor) == "pgd_ctor"

    def _kmem_cache_free(self, cache_addr: int, obj: int) -> None:
        cache = self._cache(cache_addr, "kmem_cache_free")
        if obj == 0:
            return
        released = self._release(obj, "slab", "kmem_cache_free")
        if released.cache != cache.name:
            self._fire(f"bad free: {released.name} freed to cache {cache.name}")
        self._event("free", released.name, cache.name)
        slab = obj & ~(PAGE_SIZE - 1)
        live = cache.slabs.get(slab, set())
        live.discard(obj)
        cache.free.append(obj)
        if not live:
            # the whole slab is free: destroy it (dtor for each object)
            stride = (cache.size + cache.align - 1) // cache.align * cache.align
            objs = [slab + i * stride for i in range(cache.per_slab)]
            if cache.dtor:
                for o in objs:
                    self._event("call", "dtor", f"{self._fn_name(cache.dtor)}({self.describe(o)})")
                    self.interp.call_pointer(cache.dtor, [o, cache_addr, 0])
            for o in objs:
                if o in cache.free:
                    cache.free.remove(o)
                self._forget_pgd(o)
            cache.slabs.pop(slab, None)
        elif self._is_pgd_cache(cache):
            pass  # a constructed free pgd stays constructed

    # --- quicklists -----------------------------------------------------------------------
    def _quicklist_alloc(self, nr: int, flags: int, ctor: int) -> int:
        q = self.quicklists.setdefault(nr, [])
        if q:
            page = q.pop()
            self.memory.write(page, 4, 0)          # p[0] = NULL
            obj = self.freed.pop(page, None) or _Object(self.describe(page), "page", PAGE_SIZE)
            self.objects[page] = obj
            self.n_alloc += 1
            self._event("alloc", obj.name, f"quicklist {nr}")
            return page
        page = self._new_pages(flags | _GFP_ZERO, 0, "pgd" if self._fn_name(ctor) == "pgd_ctor"
                               else "page")
        if page and ctor:
            self._event("call", "ctor", f"{self._fn_name(ctor)}({self.describe(page)})")
            if self._fn_name(ctor) == "pgd_ctor":
                self._add_pgd(page)
            self.interp.call_pointer(ctor, [page])
        return page

    def _quicklist_free(self, nr: int, dtor: int, page: int) -> None:
        if page == 0:
            return
        obj = self._release(page, "page", "quicklist_free")
        self._event("free", obj.name, f"quicklist {nr}")
        q = self.quicklists.setdefault(nr, [])
        self.memory.write(page, 4, q[-1] if q else 0)   # *(void **)p = q->page
        q.append(page)

    def _quicklist_trim(self, nr: int, dtor: int, min_pages: int, max_free: int) -> None:
        q = self.quicklists.setdefault(nr, [])
        self._event("call", "quicklist_trim", f"{nr}, {self._fn_name(dtor)}, {min_pages}, "
                                              f"{max_free}")
        count = min(max(len(q) - min_pages, 0), max_free)
        for _ in range(count):
            page = q.pop()
            self.memory.write(page, 4, 0)
            if dtor:
                self._event("call", "dtor", f"{self._fn_name(dtor)}({self.describe(page)})")
                self.interp.call_pointer(dtor, [page])
            self._forget_pgd(page)
            self._event("free", self.describe(page), "quicklist_trim")

    # --- bugs -----------------------------------------------------------------------------
    def _bug_builtin(self) -> None:
        self._fire("BUG()")

    def _bug_on(self, cond: int) -> int:
        if cond:
            self._fire("BUG_ON fired")
        self._event("query", "BUG_ON", "0")
        return 0

    def _warn_on(self, cond: int) -> int:
        self._event("call" if cond else "query", "WARN_ON", str(int(bool(cond))))
        return int(bool(cond))

    def _panic(self, fmt: int = 0, *args: Any) -> None:
        self._fire(f"panic: {self._c_string(fmt, 120)}")

    def _printk(self, fmt: int = 0, *args: Any) -> int:
        text = self._c_string(fmt, 160)
        if len(text) > 3 and text[0] == "<" and text[2] == ">":
            text = text[3:]
        self._event("printk", text.strip())
        return 0

    # --- bit operations -------------------------------------------------------------------
    def _test_bit(self, nr: int, addr: int) -> int:
        word = self.memory.read(addr + (nr >> 5) * 4, 4)
        bit = (word >> (nr & 31)) & 1
        self._event("query", "test_bit", f"{nr}, {self.describe(addr)} -> {bit}")
        return bit

    def _bitop(self, name: str, value: int) -> Callable[[int, int], None]:
        def op(nr: int, addr: int) -> None:
            self._event("call", name, f"{nr}, {self.describe(addr)}")
            a = addr + (nr >> 5) * 4
            word = self.memory.read(a, 4)
            word = word | (1 << (nr & 31)) if value else word & ~(1 << (nr & 31))
            self.memory.write(a, 4, word)
        return op

    def _test_and(self, name: str, value: int) -> Callable[[int, int], int]:
        def op(nr: int, addr: int) -> int:
            a = addr + (nr >> 5) * 4
            word = self.memory.read(a, 4)
            old = (word >> (nr & 31)) & 1
            self._event("call", name, f"{nr}, {self.describe(addr)} -> {old}")
            word = word | (1 << (nr & 31)) if value else word & ~(1 << (nr & 31))
            self.memory.write(a, 4, word)
            return old
        return op

    # --- struct page ----------------------------------------------------------------------
    def _pfn_to_page(self, pfn: int) -> int:
        return (self.mem_map + pfn * self._page_size) & 0xFFFFFFFF

    def _page_to_pfn(self, page: int) -> int:
        return ((page - self.mem_map) & 0xFFFFFFFF) // self._page_size

    def _virt_to_page(self, addr: int) -> int:
        return self._pfn_to_page(self.geo.pa(addr) >> PAGE_SHIFT)

    def _page_address(self, page: int) -> int:
        return self.geo.va(self._page_to_pfn(page) << PAGE_SHIFT)

    def _page_field(self, page: int, name: str) -> int:
        return self.memory.read(page + self._page_layout[name], 4)

    def _page_private(self, page: int) -> int:
        return self._page_field(page, "private")

    def _set_page_private(self, page: int, value: int) -> None:
        self._event("call", "set_page_private", f"{self.describe(page)}, {self._arg(value)}")
        self.memory.write(page + self._page_layout["private"], 4, value)

    def _page_flag(self, page: int, bit: int) -> int:
        return (self._page_field(page, "flags") >> bit) & 1

    def _set_flag(self, name: str, bit: int, value: int) -> Callable[[int], None]:
        def op(page: int) -> None:
            self._event("call", name, self.describe(page))
            a = page + self._page_layout["flags"]
            word = self.memory.read(a, 4)
            self.memory.write(a, 4, word | (1 << bit) if value else word & ~(1 << bit))
        return op

    # --- lists ----------------------------------------------------------------------------
    def _list_link(self, new: int, prev: int, nxt: int) -> None:
        m = self.memory
        m.write(nxt + 4, 4, new)
        m.write(new, 4, nxt)
        m.write(new + 4, 4, prev)
        m.write(prev, 4, new)

    def _list_add(self, new: int, head: int) -> None:
        self._event("call", "list_add", f"{self.describe(new)}, {self.describe(head)}")
        self._list_link(new, head, self.memory.read(head, 4))

    def _list_add_tail(self, new: int, head: int) -> None:
        self._event("call", "list_add_tail", f"{self.describe(new)}, {self.describe(head)}")
        self._list_link(new, self.memory.read(head + 4, 4), head)

    def _list_del(self, entry: int) -> None:
        self._event("call", "list_del", self.describe(entry))
        m = self.memory
        nxt, prev = m.read(entry, 4), m.read(entry + 4, 4)
        m.write(nxt + 4, 4, prev)
        m.write(prev, 4, nxt)
        m.write(entry, 4, 0x00100100)
        m.write(entry + 4, 4, 0x00200200)

    def _init_list_head(self, head: int) -> None:
        self._event("call", "INIT_LIST_HEAD", self.describe(head))
        self.memory.write(head, 4, head)
        self.memory.write(head + 4, 4, head)

    # --- CPU ------------------------------------------------------------------------------
    def _write_cr3(self, value: int) -> None:
        self._event("call", "write_cr3", self.describe(self.geo.va(value)))
        self.cr3 = value & 0xFFFFFFFF

    def _flush(self, name: str) -> Callable[[], None]:
        def flush(*args: Any) -> None:
            self._event("call", name)
        return flush

    def _flush_one(self, name: str) -> Callable[[int], None]:
        def flush(addr: int, *args: Any) -> None:
            self._event("call", name, f"{addr:#x}")
        return flush

    # ------------------------------------------------------------------ pgds
    def _add_pgd(self, pgd: int) -> None:
        if pgd and pgd not in self.pgds:
            self.pgds.append(pgd)
            self._watch_pgd(pgd)

    def _watch_pgd(self, pgd: int) -> None:
        self._watch_table(pgd, "pgd", self.describe(pgd))
        if self.geo.pae:
            for i in range(self.geo.ptrs_per_pgd):
                e = self.memory.read(pgd + 8 * i, 8)
                if e & _PAGE_PRESENT:
                    pmd = self.geo.va(e & 0xFFFFF000)
                    if self.frames.get((e & 0xFFFFF000) >> PAGE_SHIFT, "") != "empty_zero_page":
                        self._watch_table(pmd, "pmd", self.describe(pmd))

    def _forget_pgd(self, addr: int) -> None:
        if addr in self.pgds:
            self.pgds.remove(addr)
        self._unwatch(addr)

    def _walk_pgd_list(self) -> tuple[list[int], list[str]]:
        """The pages on pgd_list (``page->index`` chain) and what is wrong with the links."""
        pages: list[int] = []
        problems: list[str] = []
        if not self.pgd_list_addr:
            return pages, problems
        m = self.memory
        idx, priv = self._page_layout["index"], self._page_layout["private"]
        expect_pprev = self.pgd_list_addr
        page = m.read(self.pgd_list_addr, 4)
        seen: set[int] = set()
        while page:
            if page in seen:
                problems.append(f"cycle at {self.describe(page)}")
                break
            if not (self.mem_map <= page < self.mem_map + self.nr_pages * self._page_size):
                problems.append(f"link to {self.describe(page)}, which is no struct page")
                break
            seen.add(page)
            pages.append(page)
            pprev = m.read(page + priv, 4)
            if pprev != expect_pprev:
                problems.append(f"{self._pgd_name_of_page(page)}: page_private is "
                                f"{self.describe(pprev)}, expected {self.describe(expect_pprev)}")
            expect_pprev = page + idx
            page = m.read(page + idx, 4)
            if len(pages) > 4096:
                problems.append("longer than 4096 entries")
                break
        return pages, problems

    def _pgd_name_of_page(self, page: int) -> str:
        base = self._page_address(page)
        names = [self.describe(p) for p in self.pgds if p & ~(PAGE_SIZE - 1) == base]
        if names:
            return "/".join(names)
        return self.describe(base)

    def _process_of(self, pgd: int) -> str:
        for name, _mm, p in self.processes:
            if p == pgd:
                return name
        return ""

    # ------------------------------------------------------------------ setup
    def setup(self, by_hand: bool = False) -> None:
        """Lay out the machine and create the processes and vmalloc mappings (module manual).

        ``by_hand``: make the process pgds the 2.6.21 way in Python instead of running the
        program's ``pgtable_cache_init()``/``pgd_alloc()``. Exceptions of the program's own code
        (``NotExecutable``, :class:`KernelBug`) propagate: the world cannot be built."""
        self._in_setup = True
        try:
            self._layout()
            if "CONFIG_PAGE_OFFSET" in getattr(self.program, "globals", {}):
                address = self.interp.global_address("CONFIG_PAGE_OFFSET")
                self.memory.write(address, 4, self.scenario.page_offset)
            self._watch_pgd(self.swapper)
            self._make_processes(by_hand)
            self._make_vmalloc_mappings()
        finally:
            self._in_setup = False
        first = self.processes[0][2] if self.processes else self.swapper
        self.cr3 = self.geo.pa(first)
        self._refresh_watch()
        self.events = []
        self.n_alloc = self.n_free = self.n_alloc_fail = 0
        self._setup_objects = set(self.objects)
        self._list_seen = tuple(self._walk_pgd_list()[0])

    def _layout(self) -> None:
        g, m, sc = self.geo, self.memory, self.scenario
        sp = self._struct("struct page") or self._struct("page")
        if sp is not None:
            layout = {}
            for f in ("flags", "_count", "_mapcount", "private", "mapping", "index", "lru"):
                off = self._field_offset(sp, f)
                if off is not None:
                    layout[f] = off
            if "index" in layout and "private" in layout:
                layout.setdefault("flags", 0)
                layout["__size__"] = sp.size
                self._page_layout = {**_STRUCT_PAGE_DEFAULT, **layout}
        # mem_map
        size = self.nr_pages * self._page_size
        frames = (size + PAGE_SIZE - 1) // PAGE_SIZE
        first = self._next_pfn
        self._next_pfn += frames
        self.mem_map = g.va(first << PAGE_SHIFT)
        m.map(self.mem_map, frames * PAGE_SIZE)
        m.note_region(self.mem_map, size, "mem_map")
        for pfn in range(first, first + frames):
            self.frames[pfn] = "mem_map"
        # the boot page tables
        self.swapper = self._boot_global("swapper_pg_dir", frame=True)
        zero = self._boot_global("empty_zero_page", frame=True)
        entry = g.entry_size
        if g.pae:
            for i in range(g.ptrs_per_pgd):
                if i < g.user_ptrs_per_pgd:
                    m.write(self.swapper + 8 * i, 8, g.pa(zero) | _PAGE_PRESENT)
                else:
                    pmd = self._frame(f"kernel-pmd#{i}")
                    assert pmd is not None
                    m.write(self.swapper + 8 * i, 8, g.pa(pmd) | _PAGE_PRESENT)
        step = g.pmd_size
        for c in range((sc.lowmem + step - 1) // step):
            vaddr = g.page_offset + c * step
            slot = self._kernel_slot(vaddr)
            if c == 0 and sc.first_4m_ptes:
                pte = self._frame("boot-pte#0")
                assert pte is not None
                m.write_bytes(pte, b"".join(
                    (((c * step) + i * PAGE_SIZE) | _PAGE_KERNEL | _PAGE_GLOBAL).to_bytes(
                        entry, "little") for i in range(g.ptrs_per_pte)))
                m.write(slot, entry, g.pa(pte) | _PAGE_TABLE)
            else:
                m.write(slot, entry, (c * step) | _PAGE_KERNEL_LARGE)
        fix = self._frame("fixmap-pte")
        assert fix is not None
        m.write(self._kernel_slot(self.fixmap_address), entry, g.pa(fix) | _PAGE_TABLE)
        # boot-time pages are reserved
        fl, ps = self._page_layout["flags"], self._page_size
        one = bytearray(ps)
        one[fl:fl + 4] = (1 << PG_reserved).to_bytes(4, "little")
        m.write_bytes(self.mem_map, bytes(one) * self._next_pfn)
        # the other globals the code reads
        self._init_mm()
        hm = g.va(sc.lowmem)
        self.vmalloc_start = (hm + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1)
        values = {
            "mem_map": self.mem_map, "high_memory": hm, "vmalloc_earlyreserve": 0,
            "max_low_pfn": self.nr_pages, "max_mapnr": self.nr_pages,
            "num_physpages": self.nr_pages, "__VMALLOC_RESERVE": 128 << 20,
            "__supported_pte_mask": (0x7FFFFFFFFFFFFFFF if g.pae else 0xFFFFFFFF),
            "__PAGE_KERNEL": _PAGE_KERNEL, "__PAGE_KERNEL_EXEC": _PAGE_KERNEL,
            "nx_enabled": 0,
        }
        for name, value in values.items():
            self._model_global(name, value)
        self._model_global("_etext", None, at=g.va(IMAGE_START + (512 << 10)))
        self._model_global("pgd_lock", 0)
        self._model_global("pgd_list", 0)
        self._allocate_globals()
        self.pgd_list_addr = self._global_address("pgd_list") or 0
        self._paravirt()

    def _allocate_globals(self) -> None:
        """Allocate and initialise the program's globals now, in name order (so that two
        programs agree on addresses as far as they share globals). A lock whose initializer
        the interpreter cannot translate is given zeroed storage: an unlocked spinlock."""
        for name in sorted(n for n, g in self.program.globals.items() if not g.is_extern):
            try:
                self.interp.global_address(name)
            except NotExecutable:
                t = self._global_type(name)
                if "lock" in str(t):
                    self._place(name, self.memory.alloc(max(sizeof(t), 4), 4, name))

    def _kernel_slot(self, vaddr: int) -> int:
        """Address of the swapper_pg_dir entry (2-level) or kernel pmd entry (PAE) for vaddr."""
        g, m = self.geo, self.memory
        if not g.pae:
            return self.swapper + 4 * g.pgd_index(vaddr)
        e = m.read(self.swapper + 8 * g.pgd_index(vaddr), 8)
        return g.va(e & 0xFFFFF000) + 8 * g.pmd_index(vaddr)

    def _boot_global(self, name: str, frame: bool = False) -> int:
        """A global the boot code owns (swapper_pg_dir, empty_zero_page): the program's own
        definition if it has one, else a page frame placed as that global."""
        if self._defined_global(name):
            addr = self._global_address(name)
            if addr:
                self.memory.note_region(addr, PAGE_SIZE, name)
                return addr
        addr = self._frame(name)
        assert addr is not None
        t = self._global_type(name)
        if t is not None:
            extra = (sizeof(t) - PAGE_SIZE + PAGE_SIZE - 1) // PAGE_SIZE
            for _ in range(max(extra, 0)):       # declared larger than a page (PAE pgd_t[1024])
                self._frame(f"{name}+")
        self._place(name, addr)
        return addr

    def _place(self, name: str, addr: int) -> None:
        if self._global(name) is None:
            return
        try:
            self.interp.place_global(name, addr)
        except Exception:  # noqa: BLE001 - a global the program cannot take: leave it
            pass

    def _model_global(self, name: str, value: int | None, at: int | None = None) -> None:
        """Give a global the program declares but does not define its model storage/value."""
        g = self._global(name)
        if g is None or self._defined_global(name):
            return
        t = self._global_type(name)
        size = max(sizeof(t), 1) if t is not None else 4
        addr = at if at is not None else self.memory.alloc(size, 8, name)
        self._place(name, addr)
        if value is not None:
            self.memory.write(addr, min(size, 8), value)

    def _init_mm(self) -> None:
        mm = self._struct("struct mm_struct") or self._struct("mm_struct")
        if self._global("init_mm") is None:
            return
        addr = self._global_address("init_mm") if self._defined_global("init_mm") else None
        if addr is None:
            size = sizeof(mm) if mm is not None else 32
            addr = self.memory.alloc(size, 8, "init_mm")
            self._place("init_mm", addr)
        off = self._field_offset(mm, "pgd") if mm is not None else 0
        self.memory.write(addr + (off or 0), 4, self.swapper)
        self.init_mm = addr

    def _new_mm(self, name: str) -> int:
        mm = self._struct("struct mm_struct") or self._struct("mm_struct")
        size = sizeof(mm) if mm is not None else 32
        return self.memory.alloc(size, 8, name)

    def _set_mm_pgd(self, mm: int, pgd: int) -> None:
        st = self._struct("struct mm_struct") or self._struct("mm_struct")
        off = self._field_offset(st, "pgd") if st is not None else 0
        self.memory.write(mm + (off or 0), 4, pgd)

    # --- paravirt -------------------------------------------------------------------------
    def _paravirt(self) -> None:
        if not self.scenario.paravirt or self._global("paravirt_ops") is None:
            return
        addr = self._global_address("paravirt_ops")
        st = self._struct("struct paravirt_ops")
        if not addr or st is None:
            return
        off = self._field_offset(st, "shared_kernel_pmd")
        if off is not None:
            self.memory.write(addr + off, 4, 1 if self.scenario.shared_kernel_pmd else 0)
        self._install_hooks(addr, st)

    #: paravirt_ops members whose natives are asm: the model acts for them when the
    #: program's native cannot run (not defined, or inline asm).
    _CPU_HOOKS = {
        "read_cr2": lambda self, a: self.cr2,
        "read_cr3": lambda self, a: self.cr3,
        "write_cr3": lambda self, a: self._set_cr3(a[0]),
        "write_cr2": lambda self, a: setattr(self, "cr2", a[0] & 0xFFFFFFFF),
        "flush_tlb_user": lambda self, a: None,
        "flush_tlb_kernel": lambda self, a: None,
        "flush_tlb_single": lambda self, a: None,
        "wbinvd": lambda self, a: None,
        "irq_disable": lambda self, a: setattr(self, "irq_disabled", 1),
        "irq_enable": lambda self, a: setattr(self, "irq_disabled", 0),
        "save_fl": lambda self, a: 0 if self.irq_disabled else 0x200,
        "restore_fl": lambda self, a: setattr(self, "irq_disabled", 0 if a[0] & 0x200 else 1),
    }

    def _set_cr3(self, value: int) -> None:
        self.cr3 = value & 0xFFFFFFFF

    def _install_hooks(self, addr: int, st: Any) -> None:
        """Route every function pointer of paravirt_ops through a builtin that records a
        ``hook`` event and then runs the native the table held."""
        m = self.memory
        for f in st.fields:
            t = f.type
            if not (isinstance(t, Pointer) and isinstance(t.target, Func)) or f.name is None:
                continue
            target = m.read(addr + f.offset, 4)
            name = f"paravirt_ops.{f.name}"
            self._hooks[self.interp.function_address(name)] = (f.name, target)
            self.program.prototypes.setdefault(name, t.target)
            self.interp.builtins[name] = self._hook_builtin(f.name, target)
            m.write(addr + f.offset, 4, self.interp.function_address(name))

    def _hook_builtin(self, member: str, target: int) -> Builtin:
        native = self._fn_name(target) if target else "NULL"

        def hook(interp: Any, args: list) -> Any:
            self._observe()
            shown = ", ".join(self._hook_arg(member, i, a) for i, a in enumerate(args))
            self._event("hook", member, f"{native}({shown})")
            runnable = (target and native in self.program.functions
                        and native not in self.program.unsupported)
            if member in self._CPU_HOOKS and not runnable:
                return self._CPU_HOOKS[member](self, args)
            if not target:
                raise NotExecutable("fault", f"call through paravirt_ops.{member}, "
                                             f"which is NULL")
            return self.interp.call_pointer(target, list(args))
        hook.__name__ = f"hook_{member}"
        return hook

    def _hook_arg(self, member: str, index: int, value: Any) -> str:
        if isinstance(value, int) and ("alloc_p" in member or "release_p" in member) \
                and index < (2 if member.endswith("clone") else 1):
            owner = self.frames.get(value)
            return f"pfn of {owner}" if owner else f"pfn {value:#x}"
        return self._arg(value)

    # --- processes ------------------------------------------------------------------------
    def _make_processes(self, by_hand: bool) -> None:
        use_program = not by_hand and self._has_function("pgd_alloc")
        if use_program and self._has_function("pgtable_cache_init"):
            self.interp.call("pgtable_cache_init", [])
        for k in range(1, self.scenario.processes + 1):
            name = f"process {k}"
            mm = self._new_mm(f"mm#{k}")
            if use_program:
                pgd = self.interp.call("pgd_alloc", [mm])
                if not pgd:
                    raise NotExecutable("fault", f"setup: pgd_alloc() for {name} returned NULL")
                self._add_pgd(pgd)
            else:
                pgd = self._pgd_by_hand()
            self._set_mm_pgd(mm, pgd)
            self.processes.append((name, mm, pgd))

    def _pgd_by_hand(self) -> int:
        """A process pgd made the 2.6.21 way: pgd_ctor + pgd_alloc, in Python."""
        g, m = self.geo, self.memory
        pgd = self._frame(self._name("pgd"))
        assert pgd is not None
        self.objects[pgd] = _Object(self.describe(pgd), "page", PAGE_SIZE)
        if not g.pae:
            m.write_bytes(pgd + 4 * g.user_ptrs_per_pgd,
                          m.read_bytes(self.swapper + 4 * g.user_ptrs_per_pgd,
                                       4 * (g.ptrs_per_pgd - g.user_ptrs_per_pgd)))
            self._list_add_py(pgd)
        else:
            for i in range(g.ptrs_per_pgd):
                if i < g.user_ptrs_per_pgd:
                    pmd = self._frame(self._name("pmd"))
                    assert pmd is not None
                    m.write(pgd + 8 * i, 8, g.pa(pmd) | _PAGE_PRESENT)
                elif self.scenario.shared_kernel_pmd:
                    m.write(pgd + 8 * i, 8, m.read(self.swapper + 8 * i, 8))
                else:
                    pmd = self._frame(self._name("pmd"))
                    assert pmd is not None
                    src = g.va(m.read(self.swapper + 8 * i, 8) & 0xFFFFF000)
                    m.write_bytes(pmd, m.read_bytes(src, PAGE_SIZE))
                    m.write(pgd + 8 * i, 8, g.pa(pmd) | _PAGE_PRESENT)
            if not self.scenario.shared_kernel_pmd:
                self._list_add_py(pgd)
        self._add_pgd(pgd)
        return pgd

    def _list_add_py(self, pgd: int) -> None:
        """pgd_list_add() of pgtable.c, in Python."""
        if not self.pgd_list_addr:
            return
        m = self.memory
        idx, priv = self._page_layout["index"], self._page_layout["private"]
        page = self._virt_to_page(pgd)
        head = m.read(self.pgd_list_addr, 4)
        m.write(page + idx, 4, head)
        if head:
            m.write(head + priv, 4, page + idx)
        m.write(self.pgd_list_addr, 4, page)
        m.write(page + priv, 4, self.pgd_list_addr)

    # --- vmalloc --------------------------------------------------------------------------
    def _make_vmalloc_mappings(self) -> None:
        g, m = self.geo, self.memory
        step = g.pgdir_size if not g.pae else g.pmd_size
        addr = self.vmalloc_start
        made = 0
        while made < self.scenario.vmalloc_mappings and addr < self.fixmap_address & ~(step - 1):
            slot = self._kernel_slot(addr)
            if m.read(slot, g.entry_size) == 0:
                k = len(self.vmalloc) + 1
                pte = self._frame(f"vmalloc-pte#{k}")
                data = self._frame(f"vmalloc-page#{k}")
                if pte is None or data is None:
                    break
                m.write(pte + g.entry_size * g.pte_index(addr), g.entry_size,
                        g.pa(data) | _PAGE_KERNEL)
                m.write(slot, g.entry_size, g.pa(pte) | _PAGE_TABLE)
                self.vmalloc.append(addr)
                made += 1
            addr = (addr + step) & 0xFFFFFFFF
            if addr == 0:
                break

    # ------------------------------------------------------------------ runs
    def run(self, function: str, args: Sequence[Any] = ()) -> Outcome:
        """Call ``function`` of the program on the model; never raises for the code's sake."""
        self.events = []
        self._bug = None
        self._inject = True
        self._requests = 0
        steps0 = getattr(self.interp, "steps", 0)
        result: Any = None
        error: NotExecutable | None = None
        try:
            result = self.interp.call(function, list(args))
        except KernelBug:
            result = None
        except NotExecutable as exc:
            if self._bug is None:
                error = exc
        except RecursionError:
            error = NotExecutable("depth-limit", "Python recursion limit reached")
        finally:
            self._inject = False
        try:
            self._observe()
        except NotExecutable as exc:  # pragma: no cover - reading the model's own tables
            error = error or exc
        steps = getattr(self.interp, "steps", 0) - steps0
        return Outcome(result, tuple(self.events), error, steps, self._bug)

    def arguments(self, function: str) -> list[Any] | None:
        """Arguments for a call of ``function`` on this world, chosen from its parameters
        (names and types of the corpus functions): a fresh page for a pgd constructor, a
        process's pgd for ``pgd_free``/``pgd_dtor`` (the process gives it up), a new mm for
        ``pgd_alloc``, a vmalloc address for ``address``... None when nothing fits.
        Call it right before :meth:`run`: it hands objects over."""
        fn = self.program.functions.get(function) if hasattr(self.program, "functions") else None
        ftype = self.program.function_type(function) if hasattr(self.program, "function_type") \
            else None
        if ftype is None:
            return [] if fn is None else None
        names = self._param_names(function)
        params = list(ftype.params or ())
        out: list[Any] = []
        for i, t in enumerate(params):
            pname = names[i] if i < len(names) else ""
            value = self._argument(function, pname, t, i)
            if value is None:
                return None
            out.append(value)
        return out

    def _param_names(self, function: str) -> list[str]:
        fn = self.program.functions.get(function)
        if fn is None or getattr(fn, "node", None) is None:
            return []
        names: list[str] = []
        decl = fn.node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        if decl is None:
            return names
        plist = decl.child_by_field_name("parameters")
        for p in (plist.named_children if plist is not None else []):
            d = p.child_by_field_name("declarator")
            while d is not None and d.type not in ("identifier",):
                nxt = d.child_by_field_name("declarator")
                if nxt is None:
                    break
                d = nxt
            names.append(d.text.decode() if d is not None and d.type == "identifier" else "")
        return names

    def _argument(self, function: str, name: str, t: Any, index: int) -> Any:
        g = self.geo
        target = t.target if isinstance(t, Pointer) else None
        tname = str(target) if target is not None else str(t)
        large = g.page_offset + (8 << 20)          # a large page of the direct map
        if function.endswith("_dtor") or function == "pgd_free":
            if name in ("pgd", "") and isinstance(t, Pointer) and self.processes:
                pname, _mm, pgd = self.processes.pop()
                if function.endswith("_dtor"):
                    self._forget_pgd(pgd)
                return pgd
        if function.endswith("_ctor") and index == 0:
            kind = "pgd" if "pgd" in function else function.split("_")[0]
            addr = self._frame(self._name(kind), zero=False)
            if addr is None:
                return None
            self.objects[addr] = _Object(self.describe(addr), "page", PAGE_SIZE)
            self._setup_objects = self._setup_objects | {addr}
            if kind == "pgd":
                self._add_pgd(addr)
            return addr
        if "kmem_cache" in tname:
            wanted = "pgd" if "pgd" in function else ("pmd" if "pmd" in function else "")
            for addr, cache in self.caches.items():
                if cache.name == wanted:
                    return addr
            return next(iter(self.caches), 0)
        if "mm_struct" in tname:
            return self._new_mm(self._name("mm"))
        if tname in ("struct page", "page") and name in ("page", "p"):
            return self._virt_to_page(large)
        if name == "kpte" and isinstance(t, Pointer):
            return self._kernel_slot(large)
        if name in ("pte", "pteval") and isinstance(t, Struct):
            table = self._frame(self._name("pte"))
            if table is None:
                return None
            self.objects[table] = _Object(self.describe(table), "page", PAGE_SIZE)
            self._setup_objects = self._setup_objects | {table}
            return (g.pa(table) | _PAGE_TABLE).to_bytes(sizeof(t), "little")
        if name in ("prot", "flags") and isinstance(t, Struct):
            return (_PAGE_KERNEL | 0x10).to_bytes(sizeof(t), "little")   # PAGE_KERNEL_NOCACHE
        if isinstance(t, Pointer) and name in ("pgd",) and self.processes:
            return self.processes[0][2]
        if name in ("address", "addr", "vaddr", "start"):
            if function in ("set_pmd_pte", "revert_page", "split_large_page"):
                return large
            return self.vmalloc[0] if self.vmalloc else self.vmalloc_start
        if name in ("numpages", "count", "nr"):
            return 1
        if name in ("idx", "index", "i"):
            return 0
        if isinstance(t, Int):
            return 0
        if isinstance(t, Struct):
            return bytes(sizeof(t))
        return None

    # ------------------------------------------------------------------ state
    def _entry(self, table: int, i: int) -> int:
        size = self.geo.entry_size
        return self.memory.read(table + size * i, size)

    def _table_summary(self, pgd: int, kernel_only: bool = True) -> dict[str, Any]:
        g = self.geo
        out: dict[str, Any] = {}
        first = g.user_ptrs_per_pgd if kernel_only else 0
        for i in range(first, g.ptrs_per_pgd):
            e = self._entry(pgd, i)
            if not g.pae:
                if e:
                    out[str(i)] = self.describe_entry(e)
                continue
            item: dict[str, Any] = {"entry": self.describe_entry(e)}
            if e & _PAGE_PRESENT and i >= g.user_ptrs_per_pgd:
                pmd = g.va(e & 0xFFFFF000)
                item["pmd"] = {str(j): self.describe_entry(self._entry(pmd, j))
                               for j in range(g.ptrs_per_pmd) if self._entry(pmd, j)}
            out[str(i)] = item
        return out

    def state(self) -> dict[str, Any]:
        """A comparable summary of the model (names, not addresses, wherever possible)."""
        pages, problems = self._walk_pgd_list()
        live_new = sorted(o.name for a, o in self.objects.items()
                          if a not in self._setup_objects)
        return {
            "swapper_pg_dir": self._table_summary(self.swapper) if self.swapper else {},
            "processes": [{"name": n, "pgd": self.describe(p),
                           "kernel": self._table_summary(p)} for n, _mm, p in self.processes],
            "pgds": [self.describe(p) for p in self.pgds],
            "pgd_list": [self._pgd_name_of_page(p) for p in pages],
            "pgd_list_problems": problems,
            "locks": list(self.held),
            "irqs_disabled": self.irq_disabled > 0,
            "cr3": self.describe(self.geo.va(self.cr3)) if self.cr3 else "0",
            "allocated": self.n_alloc,
            "freed": self.n_free,
            "failed": self.n_alloc_fail,
            "live": live_new,
            "bugs": list(self.bugs),
        }

    def sees(self, pgd: int, address: int) -> str | None:
        """None when ``pgd`` maps ``address`` as swapper_pg_dir does, else where it differs."""
        g = self.geo
        i = g.pgd_index(address)
        mine, ref = self._entry(pgd, i), self._entry(self.swapper, i)
        if not g.pae:
            return None if mine == ref else f"pgd entry {i} differs from swapper_pg_dir"
        if not ref & _PAGE_PRESENT:
            return None
        if not mine & _PAGE_PRESENT:
            return f"pgd entry {i} is not present"
        j = g.pmd_index(address)
        a = self._entry(g.va(mine & 0xFFFFF000), j)
        b = self._entry(g.va(ref & 0xFFFFF000), j)
        return None if a == b else f"pmd entry {i}/{j} differs from swapper_pg_dir"

    def kernel_mismatch(self, pgd: int) -> str | None:
        """Where ``pgd``'s kernel mappings outside the vmalloc area (the direct map, the
        fixmaps) differ from swapper_pg_dir's; inside the vmalloc area an entry may be missing
        (a vmalloc fault fills it in) but must not differ. None when they agree."""
        g = self.geo
        lo, hi = self.vmalloc_start, self.fixmap_address & ~(g.pmd_size - 1)
        for i in range(g.user_ptrs_per_pgd, g.ptrs_per_pgd):
            mine, ref = self._entry(pgd, i), self._entry(self.swapper, i)
            if not g.pae:
                addr = i << g.pgdir_shift
                lazy = lo <= addr < hi
                if mine != ref and not (lazy and mine == 0):
                    return (f"does not share the kernel mapping at {addr:#x} "
                            f"(pgd entry {i} differs from swapper_pg_dir)")
                continue
            if mine == ref:
                continue
            if not mine & _PAGE_PRESENT:
                return f"has no kernel pmd for {i << g.pgdir_shift:#x} (pgd entry {i})"
            a, b = g.va(mine & 0xFFFFF000), g.va(ref & 0xFFFFF000)
            for j in range(g.ptrs_per_pmd):
                x, y = self._entry(a, j), self._entry(b, j)
                if x == y:
                    continue
                addr = (i << g.pgdir_shift) | (j << g.pmd_shift)
                if lo <= addr < hi and x == 0:
                    continue
                return (f"does not share the kernel mapping at {addr:#x} "
                        f"(pmd entry {i}/{j} differs from swapper_pg_dir)")
        return None

    def needs_sync(self, pgd: int) -> bool:
        """Whether ``pgd`` has its own copies of kernel pmd entries, so that a change to the
        kernel part of swapper_pg_dir must be copied into it (it belongs on pgd_list): always
        with 2-level paging; with PAE when a kernel pgd entry does not point to
        swapper_pg_dir's own kernel pmd."""
        g = self.geo
        if not g.pae:
            return True
        return any(self._entry(pgd, i) != self._entry(self.swapper, i)
                   for i in range(g.user_ptrs_per_pgd, g.ptrs_per_pgd))

    def invariants(self) -> list[str]:
        """The model's invariants that the current state violates, in words."""
        out: list[str] = []
        pgds = [(self._process_of(p) or self.describe(p), p) for p in self.pgds]
        for addr in self.vmalloc:
            for name, pgd in pgds:
                why = self.sees(pgd, addr)
                if why:
                    out.append(f"{name} does not see vmalloc mapping at {addr:#x} ({why})")
        for name, pgd in pgds:
            why = self.kernel_mismatch(pgd)
            if why:
                out.append(f"{name} {why}")
        pages, problems = self._walk_pgd_list()
        for p in problems:
            out.append(f"pgd_list is corrupt: {p}")
        if self.pgd_list_addr:
            on_list = {self._page_address(p) for p in pages}
            need = [p for p in self.pgds if self.needs_sync(p)]
            listed = [p for p in self.pgds if p & ~(PAGE_SIZE - 1) in on_list]
            if len(pages) != len(need) or set(need) != set(listed):
                what = "pgd needs" if len(need) == 1 else "pgds need"
                out.append(f"pgd_list holds {len(pages)} pgd{'s' if len(pages) != 1 else ''} "
                           f"but {len(need)} {what} syncing")
            missing = [p for p in need if p & ~(PAGE_SIZE - 1) not in on_list]
            for p in missing[:8]:
                who = self._process_of(p)
                out.append(f"{self.describe(p)}{f' ({who})' if who else ''} has its own kernel "
                           f"pmd entries and is not on pgd_list")
            if len(missing) > 8:
                out.append(f"... and {len(missing) - 8} more pgds not on pgd_list")
            live_pages = {p & ~(PAGE_SIZE - 1) for p in self.pgds}
            for page in sorted(on_list - live_pages):
                out.append(f"pgd_list holds {self.describe(page)}, which is no live pgd")
            for p in listed:
                if not self.needs_sync(p):
                    out.append(f"pgd_list holds {self.describe(p)}, which shares the kernel pmd "
                               f"of swapper_pg_dir: nothing to sync")
        for lk in self.held:
            out.append(f"{lk} held at exit")
        if self.irq_disabled and not self.held:
            out.append("interrupts left disabled at exit")
        for bug in self.bugs:
            out.append(bug)
        return out
