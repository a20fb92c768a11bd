"""Reading C into a Program (reviewtool.interp.program), on small texts and the corpus."""

from __future__ import annotations

import functools

from reviewtool.interp import Interpreter, Memory, build_program
from reviewtool.interp.ctypes_ import Array, Int, Pointer, Struct, sizeof
from reviewtool.interp.program import sources_from_unit
from reviewtool.tree import corpus_tree
from reviewtool.variants.config import Configuration
from reviewtool.variants.expand import expand
from reviewtool.variants.preprocess import preprocess

NON_PAE = Configuration({"CONFIG_X86_PAE": "n", "CONFIG_PARAVIRT": "n",
                         "CONFIG_PAGE_OFFSET": "0xC0000000"})


@functools.lru_cache(maxsize=None)
def corpus_sources(config: Configuration = NON_PAE,
                   paths=("arch/i386/mm/pgtable.c", "arch/i386/mm/fault.c")):
    out, seen = [], set()
    for path in paths:
        unit = preprocess(corpus_tree(), path, config)
        for fpath, text in sources_from_unit(unit):
            if fpath not in seen:
                seen.add(fpath)
                out.append((fpath, text))
    return tuple(out)


def test_corpus_functions_are_read_and_runnable():
    program = build_program(corpus_sources())
    for name in ("pgd_ctor", "pgd_alloc", "vmalloc_sync_all", "pgd_dtor", "pgd_free",
                 "vmalloc_sync_one", "clone_pgd_range"):
        assert name in program.functions, name
        assert name not in program.unsupported, program.unsupported.get(name)


def test_corpus_with_the_unit_macros_only():
    # expand() of each projected file with the unit's own macros, as the lead's driver may do:
    # the functions of pgtable.c need nothing else
    unit = preprocess(corpus_tree(), "arch/i386/mm/pgtable.c", NON_PAE)
    program = build_program([(f.path, expand(f.text, unit.macros)) for f in unit.files])
    for name in ("pgd_ctor", "pgd_alloc", "pgd_free"):
        assert name in program.functions and name not in program.unsupported


def test_sources_from_unit_keep_line_numbers():
    program = build_program(corpus_sources())
    text = corpus_tree().read("arch/i386/mm/fault.c")
    line = text.splitlines().index("void vmalloc_sync_all(void)") + 1
    assert program.functions["vmalloc_sync_all"].line == line
    assert program.functions["vmalloc_sync_all"].path == "arch/i386/mm/fault.c"


def test_corpus_types_follow_the_configuration():
    pae = Configuration({"CONFIG_X86_PAE": "y", "CONFIG_PARAVIRT": "n",
                         "CONFIG_PAGE_OFFSET": "0xC0000000"})
    two = build_program(corpus_sources())
    three = build_program(corpus_sources(pae, ("arch/i386/mm/pgtable.c",)))
    assert sizeof(two.typedefs["pgd_t"]) == 4 and sizeof(three.typedefs["pgd_t"]) == 8
    assert sizeof(three.typedefs["pte_t"]) == 8
    assert isinstance(two.globals["swapper_pg_dir"].type, Array)


def test_corpus_pgd_ctor_runs_on_a_bare_model():
    # a tiny model: swapper_pg_dir with one kernel entry, a builtin memcpy (the default one)
    program = build_program(list(corpus_sources()) + [("<model>", "struct page { unsigned long "
                                                       "flags, private, index; };")])
    memory = Memory()
    calls = []
    builtins = {name: (lambda n: lambda it, args: calls.append(n))(name)
                for name in ("spin_lock_irqsave", "spin_unlock_irqrestore")}
    builtins["pfn_to_page"] = lambda it, args: it.memory.alloc(12)
    builtins["set_page_private"] = lambda it, args: it.memory.write(args[0] + 4, 4, args[1])
    it = Interpreter(program, memory, builtins)
    swapper = memory.alloc(4096, 4096, "swapper_pg_dir")
    memory.write(swapper + 4 * 800, 4, 0x1234067)
    it.place_global("swapper_pg_dir", swapper)
    pgd = memory.alloc(4096, 4096, "pgd")
    memory.write(pgd, 4, 0xFFFF)
    it.call("pgd_ctor", [pgd, 0, 0])
    assert memory.read(pgd + 4 * 800, 4) == 0x1234067    # kernel entries cloned
    assert memory.read(pgd, 4) == 0                       # user entries cleared
    assert calls == ["spin_lock_irqsave", "spin_unlock_irqrestore"]
    assert memory.read(it.global_address("pgd_list"), 4) != 0


def test_prelude_gives_kernel_typedefs_and_prototypes():
    program = build_program([("t.c", "u32 f(u64 x) { return x; }")])
    assert program.typedefs["u64"] == Int(8, False, "unsigned long long")
    assert isinstance(program.prototypes["page_address"].ret, Pointer)
    assert isinstance(program.typedefs["spinlock_t"], Struct)


def test_program_types_win_over_the_prelude():
    program = build_program([("t.c", "typedef unsigned short u32;")])
    assert sizeof(program.typedefs["u32"]) == 2


def test_first_definition_wins_and_duplicates_are_noted():
    program = build_program([("a.c", "int f(void) { return 1; }"),
                             ("b.c", "int f(void) { return 2; }")])
    assert program.path_of("f") == "a.c"
    assert any("duplicate definition of f()" in note for note in program.notes)


def test_extern_declaration_then_definition():
    program = build_program([("a.h", "extern int table[];"), ("a.c", "int table[16] = { 1 };")])
    g = program.globals["table"]
    assert not g.is_extern and g.type == Array(Int(4, True, "int"), 16)


def test_unreadable_global_affects_only_itself():
    program = build_program([("t.c", "struct nowhere x; double d; int ok = 3;\n"
                                     "int f(void) { return ok; }")])
    assert "d" in program.unsupported and "f" not in program.unsupported
    assert Interpreter(program, Memory()).call("f") == 3


def test_enums_and_struct_layout():
    program = build_program([("t.c", "enum { A, B = 5, C }; "
                                     "struct s { char c; long long x; short y; };")])
    assert (program.enums["A"], program.enums["C"]) == (0, 6)
    st = program.structs["struct s"]
    assert [f.offset for f in st.fields] == [0, 4, 12] and st.size == 16 and st.align == 4


def test_self_referencing_struct():
    program = build_program([("t.c", "struct list_head { struct list_head *next, *prev; };")])
    st = program.structs["struct list_head"]
    assert st.size == 8 and st.fields[0].type == Pointer(st)
