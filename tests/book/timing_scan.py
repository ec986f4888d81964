"""Find assertions that read a wall-clock measurement, by static analysis.

A notebook may time things and show the timings, but no assertion may depend
on them: on a shared machine any timing, and any ratio of timings, can move by
a factor of two. This module follows every value that comes from a clock
through a notebook's code cells, statement by statement, in order:

- a *source* is a call to a clock (``time.perf_counter()``, ``time.time()``,
  ``timeit.timeit(...)``, ``datetime.now()``, ...) or to a function defined in
  the notebook that returns a value computed from one;
- a variable becomes a *timing* when it is assigned from an expression that
  reads a source or a timing (``=``, ``+=``, ``for ... in``, ``with ... as``),
  and stops being one when it is assigned again from something else;
- a container becomes a timing when a timing is stored in it (``d[k] = t``,
  ``obj.x = t``, ``lst.append(t)``, ``d.update(t)``), and stays one;
- an ``assert`` is reported when its condition reads a source or a timing.

The analysis does not separate the fields of a container: once a timing is
stored in a list, or returned beside an accuracy, the whole container counts
as a timing. Keep timings in variables of their own (the notebooks do) and the
scan is exact. Branches are joined (a variable that is a timing on either path
is one after the ``if``); loop bodies are walked twice so that values carried
round a loop are seen.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

CLOCK_MODULES = {"time", "timeit", "datetime"}
CLOCK_ATTRIBUTES = {
    "perf_counter", "perf_counter_ns", "time", "time_ns", "monotonic", "monotonic_ns",
    "process_time", "process_time_ns", "thread_time", "thread_time_ns", "default_timer",
    "timeit", "repeat", "now", "utcnow",
}
CLOCK_NAMES = {"perf_counter", "perf_counter_ns", "monotonic", "process_time", "default_timer"}
MUTATORS = {"append", "extend", "insert", "update", "setdefault", "add"}
CLOCK = "<clock>"


@dataclass(frozen=True)
class Finding:
    cell: int  # index of the code cell among the notebook's code cells
    line: int  # line inside the cell
    source: str  # the assert statement
    reads: tuple  # the timings it reads


def strip_magics(source: str) -> str:
    """Replace IPython magics and shell lines by ``pass`` so that the cell parses."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        lines.append(indent + "pass" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def is_clock_call(node: ast.AST) -> bool:
    """True for ``time.perf_counter()``, ``timeit.timeit(...)``, ``perf_counter()`` and the like."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in CLOCK_ATTRIBUTES:
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in CLOCK_MODULES
    return isinstance(func, ast.Name) and func.id in CLOCK_NAMES


def root_name(target: ast.AST) -> str | None:
    """The variable behind ``x``, ``x[i]``, ``x.a[i].b``; None for anything else."""
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


class Scanner:
    """Abstract interpretation of a notebook's code with one bit per variable: timing or not."""

    def __init__(self):
        self.timings: set[str] = set()
        self.timing_functions: set[str] = set()
        self.asserts: list[tuple[ast.Assert, set[str]]] = []

    # -- expressions -------------------------------------------------------
    def reads(self, node: ast.AST | None, local: dict | None = None) -> set[str]:
        """The sources and timings that evaluating ``node`` reads.

        ``local`` maps the names bound inside a comprehension or a lambda to
        whether they hold a timing; they shadow the notebook's variables.
        """
        local = local or {}
        found: set[str] = set()
        if node is None:
            return found
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = dict(local)
            for gen in node.generators:
                found |= self.reads(gen.iter, inner)
                for name, timing in self.bound(gen.target, gen.iter, inner).items():
                    inner[name] = timing
                for condition in gen.ifs:
                    found |= self.reads(condition, inner)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                found |= self.reads(part, inner)
            return found
        if isinstance(node, ast.Lambda):
            inner = dict(local)
            for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                inner[a.arg] = False
            return self.reads(node.body, inner)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            timing = local[node.id] if node.id in local else node.id in self.timings
            return {node.id} if timing else found
        if is_clock_call(node):
            found.add(CLOCK)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.timing_functions:
            found.add(node.func.id + "()")
        for child in ast.iter_child_nodes(node):
            found |= self.reads(child, local)
        return found

    def bound(self, target: ast.AST, iterable: ast.AST, local: dict | None = None) -> dict[str, bool]:
        """Names bound by ``for target in iterable`` and whether each holds a timing.

        ``zip(a, b)`` and ``enumerate(a)`` are taken apart, so that
        ``for acc, sec in zip(accs, secs)`` marks only ``sec``.
        """
        if isinstance(target, ast.Name):
            return {target.id: bool(self.reads(iterable, local))}
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterable, ast.Call) \
                and isinstance(iterable.func, ast.Name) and not iterable.keywords:
            parts = None
            if iterable.func.id == "zip" and len(iterable.args) == len(target.elts):
                parts = iterable.args
            elif iterable.func.id == "enumerate" and len(iterable.args) == 1 and len(target.elts) == 2:
                parts = [ast.Constant(0), iterable.args[0]]
            if parts is not None:
                names = {}
                for t, part in zip(target.elts, parts):
                    if isinstance(part, ast.Constant):
                        names.update({n.id: False for n in ast.walk(t) if isinstance(n, ast.Name)})
                    else:
                        names.update(self.bound(t, ast.Call(ast.Name("iter", ast.Load()), [part], []), local))
                return names
        timing = bool(self.reads(iterable, local))
        return {n.id: timing for n in ast.walk(target) if isinstance(n, ast.Name)}

    # -- assignments -------------------------------------------------------
    def assign(self, target: ast.AST, timing: bool, value: ast.AST | None = None) -> None:
        if isinstance(target, ast.Name):  # strong update: the old value is gone
            (self.timings.add if timing else self.timings.discard)(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    self.assign(t, bool(self.reads(v)), v)
            else:
                for t in target.elts:
                    self.assign(t, timing)
        elif timing:  # x[i] = t, x.a = t: the container now holds a timing
            name = root_name(target)
            if name:
                self.timings.add(name)

    # -- statements --------------------------------------------------------
    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def join(self, *blocks: list[ast.stmt]) -> None:
        """Run each block from the current state; afterwards a timing on any path is a timing."""
        start, result = set(self.timings), set()
        for statements in blocks:
            self.timings = set(start)
            self.block(statements)
            result |= self.timings
        self.timings = result

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = set(self.timings)
        args = node.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                self.timings.discard(a.arg)
        for _ in range(2):  # twice: a recursive or looping body
            self.block(node.body)
        returns = [n for n in ast.walk(node) if isinstance(n, (ast.Return, ast.Yield)) and n.value is not None]
        if any(self.reads(r.value) for r in returns):
            self.timing_functions.add(node.name)
        else:
            self.timing_functions.discard(node.name)
        self.timings = outer

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node)
        elif isinstance(node, ast.Assign):
            timing = bool(self.reads(node.value))
            for target in node.targets:
                self.assign(target, timing, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, bool(self.reads(node.value)), node.value)
        elif isinstance(node, ast.AugAssign):
            if self.reads(node.value):
                name = root_name(node.target)
                if name:
                    self.timings.add(name)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for _ in range(2):
                for name, timing in self.bound(node.target, node.iter).items():
                    (self.timings.add if timing else self.timings.discard)(name)
                self.join(node.body, [])
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            for _ in range(2):
                self.join(node.body, [])
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            self.join(node.body, node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, bool(self.reads(item.context_expr)))
            self.block(node.body)
        elif isinstance(node, ast.Try):
            self.join(node.body + node.orelse, *[h.body for h in node.handlers])
            self.block(node.finalbody)
        elif isinstance(node, ast.Assert):
            self.asserts.append((node, self.reads(node.test)))
        elif isinstance(node, ast.Expr):
            call = node.value
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr in MUTATORS
                    and self.reads(ast.Tuple(elts=[*call.args, *[k.value for k in call.keywords]], ctx=ast.Load()))):
                name = root_name(call.func.value)
                if name:
                    self.timings.add(name)
        for value in ast.walk(node) if isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr)) else ():
            if isinstance(value, ast.NamedExpr):
                self.assign(value.target, bool(self.reads(value.value)))


def timing_asserts(cells: list[str]) -> list[Finding]:
    """The asserts among a notebook's code cells (sources, in order) whose condition reads a timing."""
    scanner = Scanner()
    spans = []  # (cell index, first assert index of the cell, source)
    for index, source in enumerate(cells):
        text = strip_magics(source)
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        first = len(scanner.asserts)
        scanner.block(tree.body)
        spans.append((index, first, len(scanner.asserts), text))
    found = {}  # (cell, line) -> Finding; a loop body or a function is walked more than once
    for index, first, last, text in spans:
        for node, reads in scanner.asserts[first:last]:
            if reads:
                key = (index, node.lineno)
                reads = reads | set(found[key].reads) if key in found else reads
                statement = re.sub(r"\s+", " ", ast.get_source_segment(text, node) or "")
                found[key] = Finding(index, node.lineno, statement, tuple(sorted(reads)))
    return sorted(found.values(), key=lambda f: (f.cell, f.line))
