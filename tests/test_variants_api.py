"""The names other stages code against exist with the documented shapes."""

import dataclasses
import inspect
import pickle

from reviewtool.errors import ConditionError
from reviewtool.variants import (Configuration, Directive, FileConditions, FileVariant, KSymbol,
                                 KconfigModel, Macro, MacroError, Unit, config_lookup,
                                 enumerate_configs, expand, parse_expr, preprocess, project,
                                 read_kconfig, scan, tokenize)
from reviewtool.variants.expr import UNDEFINED


def field_names(cls):
    return [f.name for f in dataclasses.fields(cls)]


def test_dataclasses_are_frozen():
    for cls in (Directive, FileConditions, Unit, KSymbol, KconfigModel):
        assert cls.__dataclass_params__.frozen, cls
    assert issubclass(Macro, tuple)  # immutable too


def test_file_variant_projects_on_demand_with_the_documented_attributes():
    variant = FileVariant("a.h", "int a;\n\n", (True, False))
    assert (variant.path, variant.text, variant.kept) == ("a.h", "int a;\n\n", (True, False))
    assert variant.lines == ["int a;", ""]


def test_documented_fields():
    assert field_names(Directive)[:8] == ["line", "end_line", "kind", "text", "name", "expr",
                                          "params", "body"]
    assert field_names(FileConditions) == ["path", "directives", "conditions", "symbols",
                                           "max_depth"]
    assert list(Macro._fields) == ["name", "params", "body", "variadic", "path", "line"]
    assert field_names(Unit) == ["path", "config", "files", "macros", "definitions", "missing",
                                 "errors", "config_words", "root_definitions"]
    assert field_names(KSymbol)[:6] == ["name", "type", "depends", "choice", "defaults", "prompt"]
    assert field_names(KconfigModel)[:3] == ["symbols", "choices", "warnings"]


def test_signatures():
    assert list(inspect.signature(preprocess).parameters) == [
        "tree", "path", "config", "arch", "include_dirs", "predefined"]
    assert list(inspect.signature(project).parameters) == ["text", "config", "path", "partial"]
    assert list(inspect.signature(expand).parameters) == ["text", "macros", "max_depth",
                                                          "max_tokens"]
    assert list(inspect.signature(enumerate_configs).parameters) == ["symbols", "kconfig",
                                                                     "limit"]
    assert list(inspect.signature(read_kconfig).parameters) == ["tree", "arch"]
    assert list(inspect.signature(scan).parameters) == ["text", "path"]
    assert list(inspect.signature(parse_expr).parameters) == ["text", "path", "line"]
    assert callable(tokenize)


def test_configuration_is_a_hashable_sorted_mapping():
    c = Configuration({"CONFIG_B": "n", "CONFIG_A": "y"})
    assert list(c) == ["CONFIG_A", "CONFIG_B"]
    assert c == {"CONFIG_A": "y", "CONFIG_B": "n"}
    assert hash(c) == hash(Configuration.of(A=True, B=False))
    assert str(c) == "CONFIG_A=y CONFIG_B=n"
    assert pickle.loads(pickle.dumps(c)) == c


def test_config_lookup_semantics():
    look = config_lookup(Configuration({"CONFIG_Y": "y", "CONFIG_M": "m", "CONFIG_N": "n",
                                        "CONFIG_H": "0xC0000000"}))
    assert look("CONFIG_Y") == 1 and look("CONFIG_Y_MODULE") is UNDEFINED
    assert look("CONFIG_M") is UNDEFINED and look("CONFIG_M_MODULE") == 1
    assert look("CONFIG_N") is UNDEFINED and look("CONFIG_N_MODULE") is UNDEFINED
    assert look("CONFIG_H") == 0xC0000000
    assert look("CONFIG_OTHER") is UNDEFINED
    partial = config_lookup(Configuration({"CONFIG_Y": "y"}), partial=True)
    assert partial("CONFIG_OTHER") is None and partial("CONFIG_Y_MODULE") is UNDEFINED


def test_macro_error_is_a_condition_error():
    assert issubclass(MacroError, ConditionError)


def test_a_macro_value_is_folded_with_the_table_of_the_unit_defining_it():
    # two units; only the second includes the header defining the macro: its value is read
    # there (the first unit's table would leave it unexpanded)
    from reviewtool.model.unit import ConfigModel
    from reviewtool.tree import OverlayTree
    from reviewtool.variants.preprocess import preprocess as run

    files = {"a.c": "int a;\n", "b.c": '#include "defs.h"\nint b;\n',
             "defs.h": "#define LOW 3\n#define HIGH 1021\n#define SPAN (HIGH - LOW)\n"}

    class Files:
        def read(self, path):
            return files.get(path)

    tree = OverlayTree(Files(), {})
    units = (run(tree, "a.c", {}), run(tree, "b.c", {}))
    model = ConfigModel(config={}, units=units, tree=tree)
    assert model.macro_value("SPAN") == "1018"
    assert model.macro_value("NOT_A_MACRO") is None
