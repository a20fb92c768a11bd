"""Executable evidence: an interpreter for the C that kernel memory management is written in.

The pieces, each a module with its own manual:

* :mod:`.ctypes_` -- C types on i386 (ILP32) and C integer arithmetic;
* :mod:`.memory` -- a sparse little-endian 32-bit address space with a heap and a size bound;
* :mod:`.program` -- :func:`build_program` reads macro-expanded C (tree-sitter-c) into a
  :class:`Program`: functions, typedefs, structs, enums, globals, and what cannot run;
* :mod:`.interp` -- the :class:`Interpreter`: calls a program function on a :class:`Memory`,
  with builtins (the world's kernel primitives) for what the program does not define.

Every way a run can fail to say anything about the code is one exception, :class:`NotExecutable`,
with a short machine word in ``reason``:

``step-limit``, ``depth-limit``, ``memory-limit``
    the run went over :class:`Limits` (a loop that never ends, runaway recursion, a huge
    allocation); the message names the limit, e.g. ``step limit (200000 steps)``;
``unmodelled-call``, ``unmodelled-global``
    the code calls a function that is neither in the program nor a builtin, or uses a global
    the program does not declare; the message names it;
``unsupported``
    C the interpreter does not run (inline asm, floating point, a parse error...), with
    ``path:line``;
``fault``
    the code did something the model calls a crash: NULL dereference, division by zero, a call
    through a pointer that is no function; builtins raise it too (``BUG_ON``).

Typical use::

    program = build_program([(path, expanded_text), ...])
    interp = Interpreter(program, Memory(), builtins={"printk": lambda it, args: 0})
    result = interp.call("pgd_alloc", [mm_address])
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ReviewtoolError


class NotExecutable(ReviewtoolError):
    """A run that ended without a result; ``reason`` says why in one word (see above)."""

    def __init__(self, reason: str, message: str, path: str | None = None,
                 line: int | None = None, text: str | None = None):
        super().__init__(message, path=path, line=line, text=text)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """Bounds of one run: statements executed, C call depth, bytes of memory backed."""

    steps: int = 200_000
    depth: int = 64
    memory: int = 64 << 20


from .ctypes_ import (Array, CType, Field, Func, Int, Pointer, Struct, Void,  # noqa: E402
                      sizeof)
from .memory import Memory  # noqa: E402
from .program import FunctionDef, GlobalDef, Program, build_program  # noqa: E402
from .interp import Builtin, Interpreter  # noqa: E402

__all__ = ["NotExecutable", "Limits", "CType", "Void", "Int", "Pointer", "Array", "Struct",
           "Field", "Func", "sizeof", "Memory", "Program", "FunctionDef", "GlobalDef",
           "build_program", "Interpreter", "Builtin"]
