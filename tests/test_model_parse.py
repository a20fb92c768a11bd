"""model.parse: a variant of a file parsed from the last variant of it (incremental) is the
tree a parse from scratch gives."""

import os
from pathlib import Path

import pytest

from reviewtool.model import parse as parse_mod
from reviewtool.variants.conditions import scan
from reviewtool.variants.config import Configuration
from reviewtool.variants.preprocess import project

LINUX = Path(os.environ.get("REVIEWTOOL_LINUX", "/tmp/linux-6.1"))


def _nodes(tree):
    out, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        out.append((node.type, node.start_byte, node.end_byte, node.start_point,
                    node.end_point, node.has_error))
        stack.extend(reversed(node.children))
    return out


def _fresh(text):
    return parse_mod.parse.__wrapped__(text)  # no path: nothing reused


TEXT = """#include <linux/mm.h>
#ifdef CONFIG_A
static int a(void) { return 1; }
#else
static int a(void)
{
\treturn 0;
}
#endif
int b(int x)
{
#ifdef CONFIG_B
\tif (x)
\t\treturn a();
#endif
\treturn x;
}
"""


@pytest.mark.parametrize("first,second", [("yy", "nn"), ("yn", "ny"), ("nn", "yy")])
def test_a_variant_parsed_from_another_is_the_same_tree(first, second):
    def variant(values):
        return project(TEXT, Configuration({"CONFIG_A": values[0], "CONFIG_B": values[1]}))
    parse_mod.parse(variant(first), "t.c")
    again = parse_mod.parse(variant(second), "t.c")
    assert _nodes(again) == _nodes(_fresh(variant(second)))


def test_a_text_with_other_lines_is_parsed_from_scratch():
    parse_mod.parse("int a;\nint b;\n", "u.c")
    other = "int a;\n\nint c(void) { return 0; }\n"
    assert parse_mod._edited(*parse_mod._LAST["u.c"], other.encode()) is None
    assert _nodes(parse_mod.parse(other, "u.c")) == _nodes(_fresh(other))


@pytest.mark.skipif(not (LINUX / "arch/x86/mm").is_dir(), reason="linux-source-6.1 absent")
def test_real_variants_parse_the_same_incrementally():
    checked = 0
    for path in sorted((LINUX / "arch/x86/mm").glob("*.c"))[:25]:
        text = path.read_text(errors="surrogateescape")
        symbols = sorted(scan(text, path.name).symbols)[:6]
        rel = f"arch/x86/mm/{path.name}"
        for bits in range(4):
            config = Configuration({s: "yn"[(bits >> (i % 2)) & 1] for i, s in
                                    enumerate(symbols)})
            variant = project(text, config, rel)
            assert _nodes(parse_mod.parse(variant, rel)) == _nodes(_fresh(variant)), rel
            checked += 1
    assert checked >= 40
