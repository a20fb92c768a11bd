"""The C interpreter (reviewtool.interp): C semantics, against gcc -m32 where it runs here."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from reviewtool.interp import Interpreter, Limits, Memory, NotExecutable, build_program
from reviewtool.interp.program import sources_from_unit
from reviewtool.variants.config import Configuration
from reviewtool.variants.preprocess import preprocess

FIXTURES = Path(__file__).resolve().parent / "interp_fixtures"
SEMANTICS = FIXTURES / "semantics.c"
MASK64 = (1 << 64) - 1


class _Files:
    """The smallest tree preprocess() reads from."""

    def __init__(self, files: dict[str, str]):
        self.files = files

    def read(self, path: str):
        return self.files.get(path)


def program_of(text: str, path: str = "t.c"):
    """``text`` preprocessed (its own #defines), macro-expanded and read as a program."""
    unit = preprocess(_Files({path: text}), path, Configuration({}))
    return build_program(sources_from_unit(unit))


def interp_of(text: str, builtins=None, limits: Limits = Limits(), memory: Memory | None = None,
              **kwargs) -> Interpreter:
    return Interpreter(program_of(text), memory or Memory(), builtins or {}, limits, **kwargs)


def run(text: str, name: str = "f", args=(), **kwargs):
    return interp_of(text, **kwargs).call(name, list(args))


# ----------------------------------------------------------------------------- gcc -m32

_HARNESS = r"""
static void __out(const char *s, int n)
{
	int r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(4), "b"(1), "c"(s), "d"(n) : "memory");
}
static void __quit(int c) { __asm__ volatile("int $0x80" : : "a"(1), "b"(c)); for (;;); }
static void __hex(unsigned long long v)
{
	char b[17];
	int i;
	for (i = 0; i < 16; i++)
		b[i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	b[16] = '\n';
	__out(b, 17);
}
void _start(void) { %s __quit(0); }
"""


def semantic_functions() -> list[str]:
    return re.findall(r"^u64 (t_\w+)\(void\)", SEMANTICS.read_text(), re.M)


@functools.lru_cache(maxsize=None)
def gcc_results() -> dict[str, int] | None:
    """Each t_* of the fixture compiled with gcc -m32 -O0 -fwrapv, freestanding (no 32-bit
    libc is needed), and run; None when that is not possible here."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    names = semantic_functions()
    text = SEMANTICS.read_text() + _HARNESS % "".join(f"__hex({n}());" for n in names)
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "t.c"), os.path.join(tmp, "t")
        Path(src).write_text(text)
        try:
            built = subprocess.run([gcc, "-m32", "-O0", "-fwrapv", "-ffreestanding", "-nostdlib",
                                    "-static", "-fno-pie", "-no-pie", "-w", src, "-o", exe],
                                   capture_output=True, timeout=60)
            if built.returncode != 0:
                return None
            ran = subprocess.run([exe], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
    values = ran.stdout.split()
    if ran.returncode != 0 or len(values) != len(names):
        return None
    return dict(zip(names, (int(v, 16) for v in values)))


@functools.lru_cache(maxsize=None)
def semantics_interpreter() -> Interpreter:
    return interp_of(SEMANTICS.read_text())


@pytest.mark.parametrize("name", semantic_functions())
def test_semantics_match_gcc_m32(name):
    expected = gcc_results()
    if expected is None:
        pytest.skip("gcc -m32 (freestanding) is not available")
    assert semantics_interpreter().call(name) & MASK64 == expected[name]


# Known i386 answers, for machines without gcc -m32: the same fixture, a few key values.
KNOWN = {
    "t_sizeof_scalars": 0x1484421,
    "t_sizeof_structs": 0x404040814,
    "t_task_size_loop_ends_by_overflow": 0x100,
    "t_long_versus_unsigned_int": 0,
    "t_division_truncates_toward_zero": 0xFFFFFFFFFFFFFFFD,
    "t_switch_fallthrough": 0x5AB5,
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_semantics_known_values(name):
    assert semantics_interpreter().call(name) & MASK64 == KNOWN[name]


# ----------------------------------------------------------------------------- semantics

def test_static_locals_persist_across_calls():
    it = interp_of("int f(void) { static int n = 40; static int calls; calls++; "
                   "return n++ * 100 + calls; }")
    assert [it.call("f") for _ in range(3)] == [4001, 4102, 4203]


def test_static_bitmap_persists_like_vmalloc_sync_all_insync():
    text = """
#define DECLARE_BITMAP(name, bits) unsigned long name[((bits) + 31) / 32]
int f(int bit) {
	static DECLARE_BITMAP(insync, 1024);
	int was = (insync[bit / 32] >> (bit % 32)) & 1;
	insync[bit / 32] |= 1UL << (bit % 32);
	return was;
}"""
    it = interp_of(text)
    assert [it.call("f", [770]), it.call("f", [770]), it.call("f", [3])] == [0, 1, 0]


def test_statics_of_two_interpreters_are_separate():
    text = "int f(void) { static int n; return ++n; }"
    program = program_of(text)
    a, b = Interpreter(program, Memory()), Interpreter(program, Memory())
    assert (a.call("f"), a.call("f"), b.call("f")) == (1, 2, 1)


def test_goto_out_of_nested_loops_to_error_path():
    text = """
int f(int fail_at) {
	int i, j, done = 0;
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			if (i * 4 + j == fail_at)
				goto out;
			done++;
		}
	return done;
out:
	for (i--; i >= 0; i--)
		done += 100;
	return -done;
}"""
    it = interp_of(text)
    assert (it.call("f", [99]), it.call("f", [6])) == (16, -106)


def test_goto_into_a_block_is_refused():
    text = "int f(int x) { if (x) goto in; { in: x = 5; } return x; }"
    with pytest.raises(NotExecutable) as exc:
        run(text, "f", [1])
    assert exc.value.reason == "unsupported" and "jump into a block" in exc.value.message


def test_struct_passed_by_value_is_a_copy():
    text = """
typedef struct { unsigned long pte_low, pte_high; } pte_t;
static pte_t mkdirty(pte_t pte) { pte.pte_low |= 0x40; return pte; }
unsigned long f(void) {
	pte_t a = { 1, 2 };
	pte_t b = mkdirty(a);
	return a.pte_low * 1000 + b.pte_low;
}"""
    assert run(text) == 1000 + 0x41


def test_struct_assignment_through_pointers():
    text = """
typedef struct { unsigned long long pmd; } pmd_t;
unsigned long long f(void) {
	pmd_t table[4] = { { 0 } };
	pmd_t *p = table, v = { 0x123456789ULL };
	p[2] = v;
	*(p + 3) = ((pmd_t) { v.pmd + 1 });
	return table[2].pmd ^ table[3].pmd;
}"""
    assert run(text) == 0x123456789 ^ 0x12345678A


def test_statement_expression_and_gnu_conditional():
    text = "int f(int x) { int y = ({ int t = x * 3; t + 1; }); return (y - 1 - 3 * x) ?: y; }"
    assert run(text, "f", [5]) == 16


def test_function_pointer_cast_from_nop_ignores_extra_arguments():
    text = """
static void native_nop(void) { }
static int count;
static void counting(unsigned pfn) { count += pfn; }
struct ops { void (*alloc_pd)(unsigned pfn); void (*release_pd)(unsigned pfn); };
struct ops ops = { .alloc_pd = (void *)native_nop, .release_pd = counting };
int f(void) { ops.alloc_pd(5); ops.release_pd(7); ops.release_pd(8); return count; }"""
    assert run(text) == 15


def test_call_through_null_function_pointer_is_a_fault():
    text = "struct ops { int (*op)(void); } ops; int f(void) { return ops.op(); }"
    with pytest.raises(NotExecutable) as exc:
        run(text)
    assert exc.value.reason == "fault" and "NULL" in exc.value.message


def test_null_dereference_is_a_fault():
    with pytest.raises(NotExecutable) as exc:
        run("int f(int *p) { return *p; }", "f", [0])
    assert exc.value.reason == "fault"


def test_division_by_zero_is_a_fault():
    with pytest.raises(NotExecutable) as exc:
        run("int f(int a, int b) { return a / b; }", "f", [1, 0])
    assert exc.value.reason == "fault" and "division by zero" in exc.value.message


def test_arguments_are_converted_to_parameter_types():
    text = "unsigned char f(unsigned char c, int i) { return c + i; }"
    assert run(text, "f", [0x1FF, -1]) == 0xFE


def test_sizeof_typedef_in_parentheses_is_a_type():
    text = "typedef struct { unsigned long long pgd; } pgd_t; int f(void) { return sizeof(pgd_t); }"
    assert run(text) == 8


def test_cast_of_typedef_that_looks_like_a_call():
    text = "typedef unsigned long long u64; u64 f(unsigned int x) { return (u64)(x) << 32; }"
    assert run(text, "f", [3]) == 3 << 32


def test_global_initialisers_designated_nested_and_self_referencing():
    text = """
struct list_head { struct list_head *next, *prev; };
struct list_head df_list = { &(df_list), &(df_list) };
struct cfg { int a; struct { int x, y; } in; int arr[3]; } cfg = { .in.y = 4, .arr = { [2] = 9 }, .a = 1 };
int f(void) {
	return (df_list.next == &df_list) + (df_list.prev == &df_list) * 10 +
	       cfg.a * 100 + cfg.in.y * 1000 + cfg.arr[2] * 10000 + cfg.in.x;
}"""
    assert run(text) == 1 + 10 + 100 + 4000 + 90000


def test_string_literals_live_in_memory():
    it = interp_of('int f(void) { const char *s = "pgd"; return s[0] + s[2] * 256 + s[3]; }')
    assert it.call("f") == ord("p") + ord("d") * 256


def test_pointer_comparisons_are_unsigned():
    text = "int f(char *a, char *b) { return a < b; }"
    assert run(text, "f", [0x10000000, 0xC0000000]) == 1


def test_bool_results_are_ints():
    result = run("int f(int a) { return a > 3; }", "f", [5])
    assert result == 1 and type(result) is int


# ----------------------------------------------------------------------------- calls

def test_builtins_are_called_with_values_and_results_converted():
    seen = []

    def page_address(it, args):
        seen.append(args)
        return 0xC1234000

    text = """
struct page;
void *page_address(struct page *);
unsigned long f(struct page *p) { return (unsigned long)page_address(p) + 1; }"""
    assert run(text, "f", [0x1000], builtins={"page_address": page_address}) == 0xC1234001
    assert seen == [[0x1000]]


def test_program_function_wins_over_builtin_unless_builtins_first():
    text = "int g(void) { return 1; } int f(void) { return g(); }"
    builtins = {"g": lambda it, args: 2}
    assert run(text, builtins=builtins) == 1
    assert run(text, builtins=builtins, builtins_first=["g"]) == 2


def test_unmodelled_call_is_named():
    with pytest.raises(NotExecutable) as exc:
        run("void f(void) { set_pgd_magic(1, 2); }")
    assert exc.value.reason == "unmodelled-call"
    assert "set_pgd_magic()" in exc.value.message


def test_unmodelled_global_is_named():
    with pytest.raises(NotExecutable) as exc:
        run("int f(void) { return mystery_counter + 1; }")
    assert exc.value.reason == "unmodelled-global" and "mystery_counter" in exc.value.message


def test_builtin_exceptions_pass_through_unchanged():
    class Bug(Exception):
        pass

    def bug_on(it, args):
        if args[0]:
            raise Bug("BUG_ON")

    with pytest.raises(Bug):
        run("void f(int x) { BUG_ON(x > 1); }", "f", [2], builtins={"BUG_ON": bug_on})


def test_builtin_may_call_back_into_the_program():
    def alloc(it, args):
        obj = it.memory.alloc(16)
        it.call_pointer(args[0], [obj])
        return obj

    text = """
void ctor(void *p) { *(int *)p = 42; }
void *alloc_with(void (*c)(void *));
int f(void) { int *o = alloc_with(ctor); return *o; }"""
    assert run(text, builtins={"alloc_with": alloc}) == 42


def test_on_call_sees_every_program_function_entry():
    calls = []
    text = "static int g(int x) { return x; } int f(void) { return g(1) + g(2); }"
    run(text, on_call=lambda name, args: calls.append((name, args)))
    assert calls == [("f", ()), ("g", (1,)), ("g", (2,))]


def test_unsupported_asm_is_reported_when_reached_with_its_line():
    text = "int f(int x)\n{\n\tif (x)\n\t\tasm volatile(\"nop\");\n\treturn 3;\n}\n"
    it = interp_of(text)
    assert "inline asm" in it.program.unsupported["f"]
    assert it.call("f", [0]) == 3
    with pytest.raises(NotExecutable) as exc:
        it.call("f", [1])
    assert exc.value.reason == "unsupported" and "inline asm at t.c:4" in exc.value.message


def test_function_that_does_not_parse_is_refused():
    it = interp_of("int f(void) { return LIST_FOR_EACH(p, q) 1; }")
    assert "parse error" in it.program.unsupported["f"]
    with pytest.raises(NotExecutable) as exc:
        it.call("f")
    assert exc.value.reason == "unsupported"


# ----------------------------------------------------------------------------- limits

def test_step_limit_ends_an_endless_loop_quickly():
    start = time.perf_counter()
    with pytest.raises(NotExecutable) as exc:
        run("void f(void) { for (;;); }", limits=Limits(steps=100_000))
    assert exc.value.reason == "step-limit"
    assert "step limit (100000 steps)" in exc.value.message
    assert time.perf_counter() - start < 2


def test_step_limit_ends_an_endless_goto_loop():
    with pytest.raises(NotExecutable) as exc:
        run("void f(void) { again: goto again; }", limits=Limits(steps=10_000))
    assert exc.value.reason == "step-limit"


def test_step_limit_is_per_outermost_call():
    it = interp_of("int f(void) { int i, s = 0; for (i = 0; i < 600; i++) s += i; return s; }",
                   limits=Limits(steps=1_000))
    assert [it.call("f") for _ in range(3)] == [179700] * 3
    assert it.steps > 1_000


def test_depth_limit_ends_infinite_recursion():
    with pytest.raises(NotExecutable) as exc:
        run("int f(int n) { return f(n + 1) + 1; }", "f", [0], limits=Limits(depth=64))
    assert exc.value.reason == "depth-limit" and "(64)" in exc.value.message


def test_memory_limit_on_a_huge_global():
    text = "char huge[128 << 20]; int f(void) { huge[5] = 1; return huge[5]; }"
    with pytest.raises(NotExecutable) as exc:
        run(text, limits=Limits(memory=16 << 20), memory=Memory(16 << 20))
    assert exc.value.reason == "memory-limit"


def test_memory_limit_on_a_huge_allocation_by_a_builtin():
    def kmalloc(it, args):
        return it.memory.alloc(args[0])

    text = "void *kmalloc(unsigned long size); void f(void) { kmalloc(200u << 20); }"
    with pytest.raises(NotExecutable) as exc:
        run(text, builtins={"kmalloc": kmalloc})
    assert exc.value.reason == "memory-limit"


def test_interpreter_is_usable_after_a_limit():
    it = interp_of("int f(int n) { while (n) ; return 7; }", limits=Limits(steps=5_000))
    with pytest.raises(NotExecutable):
        it.call("f", [1])
    assert it.call("f", [0]) == 7


# ----------------------------------------------------------------------------- addresses

def test_function_addresses_are_stable_across_programs():
    a = interp_of("void pgd_ctor(void) { } void other(void) { }")
    b = interp_of("void pgd_ctor(void) { }")
    assert a.function_address("pgd_ctor") == b.function_address("pgd_ctor")
    assert a.function_at(a.function_address("other")) == "other"


def test_place_global_and_symbol_at():
    text = "typedef struct { unsigned long pgd; } pgd_t; extern pgd_t swapper_pg_dir[1024];\n" \
           "unsigned long f(int i) { return swapper_pg_dir[i].pgd; }"
    memory = Memory()
    it = interp_of(text, memory=memory)
    base = memory.alloc(4096, 4096, "swapper")
    memory.write(base + 4 * 768, 4, 0x1E3)
    it.place_global("swapper_pg_dir", base)
    assert it.call("f", [768]) == 0x1E3
    assert it.symbol_at(base + 0xC00) == "swapper_pg_dir+0xc00"
    assert it.global_address("swapper_pg_dir") == base


def test_read_and_write_typed():
    text = "typedef struct { unsigned long a; short b; } s_t; s_t g = { 5, -2 };"
    it = interp_of(text + " int f(void) { return g.b; }")
    addr = it.global_address("g")
    t = it.type_of_global("g")
    assert it.read_typed(addr + 4, t.fields[1].type) == -2
    it.write_typed(addr, t.fields[0].type, 9)
    assert it.read_typed(addr, t)[:4] == (9).to_bytes(4, "little")
    assert it.call("f") == -2


# ----------------------------------------------------------------------------- not run

@pytest.mark.parametrize("body, word", [
    ("double d = 1.5; return d > 1;", "floating point"),
    ("char buf[n]; buf[0] = 1; return buf[0];", "variable-length array"),
    ("return __builtin_popcount(n);", "__builtin_popcount"),
    ("switch (n) { case 1 ... 3: return 1; } return 0;", "case range"),
])
def test_unsupported_constructs_are_named(body, word):
    it = interp_of(f"int f(int n)\n{{\n\t{body}\n}}\n")
    with pytest.raises(NotExecutable) as exc:
        it.call("f", [2])
    assert exc.value.reason == "unsupported" and word in exc.value.message
    assert "t.c:" in exc.value.message


def test_compile_reports_a_function_that_cannot_run_at_all():
    it = interp_of("int f(void) { return LIST_FOR_EACH(p, q) 1; } int g(void) { return 1; }")
    it.compile("g")
    with pytest.raises(NotExecutable):
        it.compile("f")


def test_limits_memory_bounds_the_memory_it_is_given():
    memory = Memory()
    interp_of("int f(void) { return 0; }", limits=Limits(memory=1 << 20), memory=memory)
    assert memory.limit == 1 << 20


def test_call_stack_is_visible_to_builtins():
    seen = []
    text = "void hook(void); static void inner(void) { hook(); } void f(void) { inner(); }"
    run(text, builtins={"hook": lambda it, args: seen.append(it.call_stack)})
    assert seen == [("f", "inner")]


def test_on_call_can_be_set_after_a_first_run():
    it = interp_of("static int g(void) { return 1; } int f(void) { return g(); }")
    it.call("f")
    calls = []
    it.on_call = lambda name, args: calls.append(name)
    it.call("f")
    assert calls == ["f", "g"]


def test_undeclared_name_used_as_an_object_is_unmodelled():
    it = interp_of("int f(int x) { if (x) return current->pid; return 1; }")
    assert it.call("f", [0]) == 1
    with pytest.raises(NotExecutable) as exc:
        it.call("f", [1])
    assert exc.value.reason == "unmodelled-global" and "current" in exc.value.message


def test_statement_expression_as_a_loop_condition():
    text = "int f(int x) { do { x++; } while (({ int q = x; q < 3; })); return x; }"
    assert run(text, "f", [0]) == 3


def test_nested_gnu_conditionals_translate_in_linear_time():
    expr = "x"
    for i in range(30):
        expr = f"(({expr}) ?: {i})"
    start = time.perf_counter()
    assert run(f"int f(int x) {{ return {expr}; }}", "f", [0]) == 1
    assert time.perf_counter() - start < 2


def test_translations_are_shared_only_where_the_meaning_is_the_same():
    # the same function text over two layouts of the struct it reaches through a global
    results = []
    for layout in ("int a; int b;", "int b; int a;"):
        text = f"struct s {{ {layout} }};\nstruct s *g;\nint f(void) {{ return g->b; }}\n"
        memory = Memory()
        it = interp_of(text, memory=memory)
        obj = memory.alloc(8)
        memory.write(obj, 4, 1)
        memory.write(obj + 4, 4, 2)
        memory.write(it.global_address("g"), 4, obj)
        results.append(it.call("f"))
    assert results == [2, 1]
