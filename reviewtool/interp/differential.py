"""Differential execution: run a function before and after a patch on the same model states.

For one function and one configuration class, :func:`execute` builds the program of the
translation units before and after the patch (per user/kernel split, since ``PAGE_OFFSET`` is
compiled in), lays out the same :class:`~reviewtool.interp.world.World` for both from each
scenario (processes made *by hand*, so the start state does not depend on the code under
comparison), runs the function with the same arguments, and compares, in this order:

1. how the run ended (returned, ``BUG``, not executable);
2. the trace of events with effects (locks, allocations, paravirt hooks, page-table and
   ``pgd_list`` changes, calls of kernel primitives), including the locks held at each;
3. the final model state (page tables, ``pgd_list``, locks, allocation counts);
4. the return value (pointers by the name of the object they point into).

The verdict per (function, configuration class):

``differs``              a scenario where they differ; ``witness`` says where in a reviewer's
                         words ("clone_pgd_range's memcpy now runs outside pgd_lock");
``no-difference-found``  every scenario ran on both sides and nothing differed (``states``
                         says how many);
``not-executable``       no scenario ran on both sides; ``reason`` says why (an unmodelled
                         call, a step limit...).

``equivalent`` is not decided here: it comes from folding (identical canonical bodies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from . import Limits, NotExecutable
from .world import Scenario, World, build_model_program, config_for, scenarios

#: Events that only read the model: a difference there is no difference in behaviour.
QUIET = {"query", "printk"}

_PROGRAMS: dict[tuple, Any] = {}
MAX_PROGRAMS = 64


@dataclass(frozen=True)
class ExecutionResult:
    function: str
    verdict: str  # differs | no-difference-found | not-executable
    states: int  # scenarios run on both sides
    witness: str = ""
    reason: str = ""
    scenario: str = ""
    trace_before: tuple[str, ...] = ()
    trace_after: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)

    def to_evidence(self) -> dict:
        out = {"verdict": self.verdict, "states": self.states, "witness": self.witness}
        if self.reason:
            out["reason"] = self.reason
        if self.scenario:
            out["scenario"] = self.scenario
        if self.trace_before or self.trace_after:
            out["trace"] = {"before": list(self.trace_before), "after": list(self.trace_after)}
        return out


def program(tree, tus: Sequence[str], config: dict, arch: str):
    """The program of ``tus`` for ``config``, cached per tree object and configuration."""
    key = (id(tree), tuple(tus), tuple(sorted(config.items())), arch)
    if key not in _PROGRAMS:
        # the entry holds the tree, so its id is not reused while the entry lives; bounded,
        # or a long-running process (reviewtool server) would keep every tree it saw
        _PROGRAMS[key] = (tree, build_model_program(tree, list(tus), config, arch=arch))
        while len(_PROGRAMS) > MAX_PROGRAMS:
            del _PROGRAMS[next(iter(_PROGRAMS))]
    return _PROGRAMS[key][1]


_STATIC = re.compile(r"\b_+(?=[A-Za-z]\w*\.)")


def _effects(events) -> list:
    """Events with effects, with function-static objects named independently of a leading
    underscore of their function (``_vmalloc_sync_all.insync`` is the renamed
    ``vmalloc_sync_all.insync``)."""
    return [replace(e, detail=_STATIC.sub("", e.detail), what=_STATIC.sub("", e.what))
            for e in events if e.kind not in QUIET]


def _describe(event) -> str:
    detail = f"({event.detail})" if event.detail else ""
    held = f" under {', '.join(event.locks)}" if event.locks else " with no lock held"
    return f"{event.kind} {event.what}{detail}{held}"


def _lock_difference(before, after) -> str | None:
    """The first effect both runs have whose locks differ: the reviewer's "now runs outside
    pgd_lock", whatever else moved around it."""
    remaining = list(after)
    for event in before:
        for i, other in enumerate(remaining):
            if (other.kind, other.what, other.detail) == (event.kind, event.what, event.detail):
                del remaining[i]
                if set(other.locks) != set(event.locks):
                    what = f"{event.what}({event.detail})" if event.detail else event.what
                    if event.function:
                        what = f"{event.function}() ({what})"
                    lost = sorted(set(event.locks) - set(other.locks))
                    if lost:
                        return (f"{what} now runs outside {', '.join(lost)} "
                                f"(before, it ran under it)")
                    gained = sorted(set(other.locks) - set(event.locks))
                    return f"{what} now runs under {', '.join(gained)} (before, it did not)"
                break
    return None


def _first_difference(before, after) -> str | None:
    locks = _lock_difference(before, after)
    if locks:
        return locks
    for index, (b, a) in enumerate(zip(before, after)):
        if b != a:
            return f"event {index + 1} differs: before, {_describe(b)}; after, {_describe(a)}"
    if len(before) != len(after):
        shorter, longer, side = (before, after, "after") if len(before) < len(after) else \
            (after, before, "before")
        extra = longer[len(shorter)]
        return f"only {side}: {_describe(extra)} (event {len(shorter) + 1})"
    return None


def _state_difference(before: dict, after: dict) -> str | None:
    for key in before:
        if before.get(key) != after.get(key):
            return f"final {key} differs: before {before.get(key)!r}, after {after.get(key)!r}"
    return None


def _ended(outcome) -> str:
    if outcome.bug:
        # where the BUG fired (which function) is not behaviour: the BUG is
        return f"BUG: {outcome.bug.split(' in ')[0]}"
    if outcome.error is not None:
        return f"not executable: {outcome.error.message}"
    return "returned"


def _run(prog, scenario: Scenario, function: str, limits: Limits, by_hand: bool = True):
    world = World(prog, scenario, limits)
    world.setup(by_hand=by_hand)
    if by_hand and function != "pgtable_cache_init" and "pgtable_cache_init" in prog.functions:
        # the slab caches are made by each side's own pgtable_cache_init(), as at boot
        made = world.run("pgtable_cache_init")
        if made.error is not None:
            raise made.error
    args = world.arguments(function)
    if args is None:
        raise NotExecutable("unsupported", f"no arguments the model can give {function}()")
    outcome = world.run(function, args)
    result = outcome.result
    if isinstance(result, int) and result > 0xFFFF:
        result = world.describe(result)
    return world, outcome, result


def _is_function(function, before_tree, after_tree, tus_before, tus_after, config, arch):
    base = {k: v for k, v in config.items() if k != "CONFIG_PAGE_OFFSET"}
    try:
        return (function in program(before_tree, tus_before, base, arch).functions
                and function in program(after_tree, tus_after, base, arch).functions)
    except NotExecutable:
        return True  # let the run say what is wrong


def execute(function: str, before_tree, after_tree, tus_before: Sequence[str],
            tus_after: Sequence[str], config: dict, arch: str = "i386", count: int = 6,
            limits: Limits = Limits(steps=100_000)) -> ExecutionResult:
    """Run ``function`` before and after on ``count`` scenarios of ``config``'s class.

    The processes of the start state are made by hand, the same for both sides. When every
    scenario then ends in the same BUG on both sides (``pgd_free`` handed a pgd whose pmds no
    slab cache made), the processes are made instead by each side's own ``pgd_alloc()``, and
    the result says so."""
    result = _execute(function, before_tree, after_tree, tus_before, tus_after, config, arch,
                      count, limits, by_hand=True)
    if result.verdict == "not-executable" and result.reason.startswith("both sides hit BUG"):
        second = _execute(function, before_tree, after_tree, tus_before, tus_after, config,
                          arch, count, limits, by_hand=False)
        if second.verdict != "not-executable":
            note = " (processes made by each side's own pgd_alloc())"
            return replace(second, witness=second.witness + note if second.witness else "",
                           reason=second.reason or note.strip(" ()"))
    return result


def _execute(function: str, before_tree, after_tree, tus_before: Sequence[str],
             tus_after: Sequence[str], config: dict, arch: str, count: int, limits: Limits,
             by_hand: bool) -> ExecutionResult:
    pae = config.get("CONFIG_X86_PAE") == "y"
    paravirt = config.get("CONFIG_PARAVIRT") == "y"
    states = 0
    reasons: list[str] = []
    if not _is_function(function, before_tree, after_tree, tus_before, tus_after, config, arch):
        return ExecutionResult(function, "not-executable", 0,
                               reason=f"{function} is not a function on both sides")
    first: tuple | None = None
    # PAGE_OFFSET stays a variable set per scenario: one program per side for every split
    base = {k: v for k, v in config.items() if k != "CONFIG_PAGE_OFFSET"}
    for scenario in scenarios(pae, paravirt, count=count):
        full = {**base, **{k: v for k, v in config_for(scenario).items()
                           if k != "CONFIG_PAGE_OFFSET"}}
        try:
            before = program(before_tree, tus_before, full, arch)
            after = program(after_tree, tus_after, full, arch)
            if function not in before.functions or function not in after.functions:
                side = "before" if function not in before.functions else "after"
                reasons.append(f"{function}() is not a function {side} the patch")
                break
            wb, ob, rb = _run(before, scenario, function, limits, by_hand)
            wa, oa, ra = _run(after, scenario, function, limits, by_hand)
        except NotExecutable as err:
            reasons.append(err.message)
            continue
        eb, ea = _ended(ob), _ended(oa)
        if ob.bug and eb == ea:
            # the same BUG on both sides: this start state is not one the function accepts
            reasons.append(f"both sides hit {eb}")
            continue
        if ob.error is not None or oa.error is not None:
            # A side the model could not run to the end (a limit, an unmodelled call) says
            # nothing about behaviour: that scenario is not executable, whatever the other did.
            error = oa.error or ob.error
            side = "after" if oa.error is not None else "before"
            reasons.append(f"{error.message} ({side} the patch)")
            continue
        else:
            states += 1
            witness = None
            if eb != ea:
                witness = f"before: {eb}; after: {ea}"
            witness = witness or _first_difference(_effects(ob.events), _effects(oa.events))
            witness = witness or _state_difference(wb.state(), wa.state())
            if witness is None and rb != ra:
                witness = f"returns {ra!r} instead of {rb!r}"
            if witness is None:
                ib, ia = wb.invariants(), wa.invariants()
                if ib != ia:
                    witness = f"invariants: before {ib or 'hold'}; after {ia or 'hold'}"
        if witness is not None and first is None:
            first = (scenario, witness, ob, oa)
    if first is not None:
        scenario, witness, ob, oa = first
        return ExecutionResult(
            function, "differs", states, witness=f"{witness} [{scenario.describe()}]",
            scenario=scenario.describe(),
            trace_before=tuple(str(e) for e in _effects(ob.events))[:40],
            trace_after=tuple(str(e) for e in _effects(oa.events))[:40])
    if states == 0:
        return ExecutionResult(function, "not-executable", 0,
                               reason=reasons[0] if reasons else "no scenario ran")
    return ExecutionResult(function, "no-difference-found", states,
                           skipped=tuple(dict.fromkeys(reasons)))
