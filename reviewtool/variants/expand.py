"""Macro expansion, for the semantic model and for ``#if`` lines that need it.

:func:`tokenize` splits C text into :class:`Token` s (identifiers, pp-numbers, string and
character literals kept whole, punctuators; comments and whitespace dropped, but each token
remembers whether whitespace preceded it).

:func:`expand` rewrites text with a macro table (name -> :class:`~reviewtool.variants.preprocess.Macro`,
e.g. ``Unit.macros``) the way the C preprocessor does:

* object-like and function-like macros; arguments may contain nested parentheses and are
  split on top-level commas; each argument is fully expanded before substitution unless it is
  an operand of ``#`` or ``##``;
* ``#param`` stringifies, ``a ## b`` pastes (an empty argument is a placemarker), variadic
  macros with ``__VA_ARGS__`` or a named ``args...``, GNU ``, ## __VA_ARGS__`` drops the comma
  when the variable part is empty, ``__VA_OPT__(x)``;
* a macro is not expanded again inside its own expansion (Prosser's hide sets);
* a function-like macro name not followed by ``(`` is left alone, and so is an invocation with
  the wrong number of arguments or no closing parenthesis;
* ``IS_ENABLED(X)``, ``IS_BUILTIN(X)``, ``IS_MODULE(X)``, ``IS_REACHABLE(X)`` become ``1``/``0``
  from the table (``X`` defined as ``1``, ``X_MODULE`` defined as ``1``), whether or not
  ``linux/kconfig.h`` was read.

The result is the tokens joined by single spaces. Expansion that nests deeper than
``max_depth`` or produces more than ``max_tokens`` tokens (a macro bomb) raises
:class:`MacroError`, a :class:`~reviewtool.errors.ConditionError`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

from ..errors import ConditionError

__all__ = ["Token", "MacroError", "tokenize", "expand", "expand_tokens", "join_tokens"]


class MacroError(ConditionError):
    """Macro expansion that runs away (too deep, too many tokens) or cannot be done."""


class Token:
    """One preprocessing token. ``kind`` is id, number, string, char, punct or other."""

    __slots__ = ("kind", "text", "space", "hide")

    def __init__(self, kind: str, text: str, space: bool = False,
                 hide: frozenset[str] = frozenset()):
        self.kind = kind
        self.text = text
        self.space = space
        self.hide = hide

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Token):
            return self.kind == other.kind and self.text == other.text
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self.text))

    def copy(self, space: bool | None = None, hide: frozenset[str] | None = None) -> "Token":
        return Token(self.kind, self.text, self.space if space is None else space,
                     self.hide if hide is None else hide)


# An unterminated string or character literal runs to the end of its line, as GCC lexes it
# ("missing terminating ' character"), which also keeps tokenizing linear.
_TOKEN = re.compile(r"""
    (?P<ws>(?:[ \t\r\n\f\v]|\\\n)+)
  | (?P<comment>//[^\n]*|/\*[\s\S]*?(?:\*/|\Z))
  | (?P<string>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*(?:"|\\?(?=\n)|\\?\Z))
  | (?P<char>(?:u8|[uUL])?'(?:[^'\\\n]|\\.)*(?:'|\\?(?=\n)|\\?\Z))
  | (?P<id>[A-Za-z_$][\w$]*)
  | (?P<number>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-*/%+&^|]=
        |[][(){}.&*+\-~!/%<>^|?:;=,\#])
  | (?P<other>[\s\S])
""", re.X)


def closing_paren(tokens, start: int) -> int:
    """Index of the ``)`` that closes the ``(`` at ``tokens[start]`` (``len(tokens)`` when it
    is never closed)."""
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens)


def tokenize(text: str) -> list[Token]:
    """C preprocessing tokens of ``text``; comments dropped, literals intact."""
    out: list[Token] = []
    space = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "ws" or kind == "comment":
            space = True
            continue
        out.append(Token(kind, m.group(0), space))  # type: ignore[arg-type]
        space = False
    return out


@lru_cache(maxsize=8192)
def _body_tokens(body: str) -> tuple[Token, ...]:
    return tuple(tokenize(body))


def join_tokens(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


def _stringify(tokens: list[Token]) -> Token:
    parts = []
    for i, t in enumerate(tokens):
        if i and t.space:
            parts.append(" ")
        if t.kind in ("string", "char"):
            parts.append(t.text.replace("\\", "\\\\").replace('"', '\\"'))
        else:
            parts.append(t.text)
    return Token("string", '"' + "".join(parts) + '"')


def _paste(left: Token, right: Token) -> list[Token]:
    toks = tokenize(left.text + right.text)
    if not toks:
        return []
    toks[0].space = left.space
    return toks


_BUILTINS = frozenset({"IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE"})


class _Expander:
    def __init__(self, macros: Mapping[str, Any], max_depth: int, max_tokens: int):
        self.macros = macros
        self.max_depth = max_depth
        self.max_tokens = max_tokens
        self.work = 0

    def _is_one(self, name: str) -> bool:
        m = self.macros.get(name)
        return m is not None and m.params is None and m.body.strip() == "1"

    def _builtin(self, name: str, arg: str) -> str:
        builtin = self._is_one(arg)
        module = self._is_one(arg + "_MODULE")
        if name == "IS_BUILTIN":
            return "1" if builtin else "0"
        if name == "IS_MODULE":
            return "1" if module else "0"
        if name == "IS_REACHABLE":
            return "1" if builtin or (module and self._is_one("MODULE")) else "0"
        return "1" if builtin or module else "0"

    def _charge(self, n: int, pending: int, macro: Any = None) -> None:
        self.work += n
        if pending > self.max_tokens or self.work > self.max_tokens * 20:
            self._bomb(macro)

    def _bomb(self, macro: Any) -> None:
        where = {"path": macro.path, "line": macro.line, "text": macro.name} if macro else {}
        raise MacroError(f"macro expansion produced more than {self.max_tokens} tokens "
                         "(a macro bomb?)", **where)

    def run(self, tokens: list[Token], level: int = 0) -> list[Token]:
        if level > self.max_depth:
            raise MacroError(f"macro expansion nested deeper than {self.max_depth}")
        macros = self.macros
        out: list[Token] = []
        stack = tokens[::-1]
        while stack:
            tok = stack.pop()
            if tok.kind != "id":
                out.append(tok)
                continue
            name = tok.text
            if name in _BUILTINS and len(stack) >= 3 and stack[-1].text == "(" \
                    and stack[-2].kind == "id" and stack[-3].text == ")" \
                    and name not in tok.hide:
                stack.pop()
                arg = stack.pop()
                stack.pop()
                out.append(Token("number", self._builtin(name, arg.text), tok.space))
                continue
            m = macros.get(name)
            if m is None or name in tok.hide:
                out.append(tok)
                continue
            if m.params is None:
                hs = tok.hide | {name}
                if len(hs) > self.max_depth:
                    raise MacroError(f"macro expansion nested deeper than {self.max_depth} "
                                     f"(at {name})", path=m.path, line=m.line)
                repl = self.subst(m, None, hs, tok.space, level)
            else:
                if not stack or stack[-1].text != "(":
                    out.append(tok)
                    continue
                collected = self.collect(stack, m)
                if collected is None:
                    out.append(tok)
                    continue
                args, rparen = collected
                hs = (tok.hide & rparen.hide) | {name}
                if len(hs) > self.max_depth:
                    raise MacroError(f"macro expansion nested deeper than {self.max_depth} "
                                     f"(at {name})", path=m.path, line=m.line)
                repl = self.subst(m, args, hs, tok.space, level)
            self._charge(len(repl), len(stack) + len(repl) + len(out), m)
            stack.extend(reversed(repl))
        return out

    def collect(self, stack: list[Token], m: Any) -> tuple[list[list[Token]], Token] | None:
        """Pop ``( args )`` off the stack; None (stack untouched) if unterminated or the
        argument count does not fit."""
        i = len(stack) - 2          # stack[-1] is '('
        depth = 0
        args: list[list[Token]] = [[]]
        while i >= 0:
            t = stack[i]
            text = t.text
            if text == "(" and t.kind == "punct":
                depth += 1
            elif text == ")" and t.kind == "punct":
                if depth == 0:
                    break
                depth -= 1
            elif text == "," and depth == 0 and t.kind == "punct":
                args.append([])
                i -= 1
                continue
            args[-1].append(t)
            i -= 1
        else:
            return None
        rparen = stack[i]
        nparams = len(m.params)
        if m.variadic:
            if len(args) > nparams:
                head = args[:nparams - 1]
                tail: list[Token] = []
                for j, a in enumerate(args[nparams - 1:]):
                    if j:
                        tail.append(Token("punct", ",", False))
                    tail.extend(a)
                args = head + [tail]
            elif len(args) == nparams - 1:
                args.append([])
            elif len(args) != nparams:
                return None
        elif nparams == 0:
            if len(args) != 1 or args[0]:
                return None
            args = []
        elif len(args) != nparams:
            return None
        del stack[i:]
        return args, rparen

    def subst(self, m: Any, args: list[list[Token]] | None, hs: frozenset[str], space: bool,
              level: int) -> list[Token]:
        index = {p: k for k, p in enumerate(m.params)} if args is not None else {}
        va = len(m.params) - 1 if (args is not None and m.variadic and m.params) else None
        try:
            out = self.substitute(_body_tokens(m.body), index, va, args, {}, level)
        except MacroError as exc:
            if exc.path is None:  # say which macro blew up, and where
                self._bomb(m)
            raise
        for t in out:
            t.hide = t.hide | hs if t.hide else hs
        if out:
            out[0].space = space
        return out

    def substitute(self, body: tuple[Token, ...], index: dict[str, int], va: int | None,
                   args: list[list[Token]] | None, expanded: dict[int, list[Token]],
                   level: int) -> list[Token]:
        out: list[Token] = []
        n = len(body)
        i = 0
        paste_next = False
        while i < n:
            t = body[i]
            nxt = body[i + 1] if i + 1 < n else None
            if args is not None and t.text == "#" and t.kind == "punct" and nxt is not None \
                    and nxt.kind == "id" and nxt.text in index:
                item = [_stringify(args[index[nxt.text]])]
                item[0].space = t.space
                i += 2
            elif t.text == "##" and t.kind == "punct":
                paste_next = True
                i += 1
                continue
            elif va is not None and t.text == "__VA_OPT__" and nxt is not None \
                    and nxt.text == "(":
                j = closing_paren(body, i + 1)
                inner = body[i + 2:j]
                i = j + 1
                item = (self.substitute(inner, index, va, args, expanded, level)
                        if args and args[va] else [])
                if item:
                    item[0].space = t.space
            elif args is not None and t.kind == "id" and t.text in index:
                k = index[t.text]
                raw = args[k]
                i += 1
                if paste_next and k == va and out and out[-1].text == ",":
                    # GNU ', ## __VA_ARGS__': drop the comma when empty, else no paste
                    paste_next = False
                    if not raw:
                        out.pop()
                        continue
                    item = [x.copy() for x in expanded_arg(self, expanded, k, raw, level)]
                    item[0].space = True
                    out.extend(item)
                    continue
                next_is_paste = nxt is not None and nxt.text == "##" and nxt.kind == "punct"
                if paste_next or next_is_paste:
                    item = [x.copy() for x in raw]
                else:
                    item = [x.copy() for x in expanded_arg(self, expanded, k, raw, level)]
                if item:
                    item[0].space = t.space
            else:
                item = [t.copy()]
                i += 1
            if paste_next:
                paste_next = False
                if not item:
                    continue
                if not out:
                    out.extend(item)
                    continue
                left = out.pop()
                out.extend(_paste(left, item[0]))
                out.extend(item[1:])
            else:
                out.extend(item)
            if len(out) > self.max_tokens:  # before the copies of a huge argument pile up
                self._bomb(None)
        return out


def expanded_arg(exp: _Expander, cache: dict[int, list[Token]], k: int, raw: list[Token],
                 level: int) -> list[Token]:
    hit = cache.get(k)
    if hit is None:
        hit = cache[k] = exp.run([x.copy() for x in raw], level + 1)
    return hit


def expand_tokens(tokens: list[Token], macros: Mapping[str, Any], max_depth: int = 64,
                  max_tokens: int = 200_000) -> list[Token]:
    """Expand a token list (see :func:`expand`)."""
    try:
        return _Expander(macros, max_depth, max_tokens).run(list(tokens))
    except RecursionError:
        raise MacroError("macro expansion nested too deeply") from None


def expand(text: str, macros: Mapping[str, Any], max_depth: int = 64,
           max_tokens: int = 200_000) -> str:
    """``text`` with every macro of ``macros`` expanded, tokens joined by single spaces."""
    return join_tokens(expand_tokens(tokenize(text), macros, max_depth, max_tokens))
