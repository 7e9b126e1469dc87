"""``spine playground MODULE:WORKFLOW``: a terminal REPL over ``WorkflowPlayground``.

Time is a fake clock here: wait steps and retry back-offs pass at once.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import types
from collections.abc import Callable
from typing import TextIO

from returns.result import Success

from spine.cli.common import EXIT_OK, Output, Subcommands
from spine.cli.loading import decode_input, load_workflow
from spine.orchestration.engine import Outcome
from spine.orchestration.playground import WorkflowPlayground
from spine.testing import FakeClock, FakeSleeper

__all__ = ["HELP", "register", "repl"]

HELP = """commands:
  s, step            run the next step          p, peek          show the next step and its input
  r, run             run to a breakpoint/end    to STEP          run until STEP is next
  b, break STEP      break before STEP          when EXPR        break when EXPR holds (names: step, value)
  back               undo the last step         set STEP JSON    replace a finished step's output
  h, history         the finished steps         v, value STEP    a finished step's output
  status             every step's status        restart [JSON]   start over (optionally with a new input)
  q, quit            leave"""


def register(commands: Subcommands) -> None:
    """Add ``spine playground``."""
    play = commands.add_parser("playground", help="step through a workflow (a debugger REPL)")
    play.add_argument("workflow", metavar="MODULE:WORKFLOW")
    play.add_argument("--input", metavar="JSON", help="the input, as JSON or @file.json")
    play.set_defaults(handler=_playground)


def _playground(args: argparse.Namespace, out: Output) -> int:
    flow = load_workflow(args.workflow)
    value = decode_input(flow, args.input)
    clock = FakeClock()
    playground = WorkflowPlayground(flow, value, clock=clock, sleeper=FakeSleeper(clock))
    return repl(flow.name, playground, sys.stdin, out.out)


def repl[I, O](name: str, pg: WorkflowPlayground[I, O], commands: TextIO, out: TextIO) -> int:
    """Read commands from ``commands`` until ``quit`` or the end of input."""
    session = _Session(pg, out)
    session.say(f"playground: {name} ({len(pg.report().steps)} steps). 'help' lists the commands.")
    session.show_next()
    for raw in commands:
        line = raw.strip()
        if not line:
            continue
        session.say(f"> {line}")
        word, _, rest = line.partition(" ")
        if word in ("q", "quit", "exit"):
            break
        action = session.actions.get(word)
        if action is None:
            session.say(f"unknown command {shlex.quote(word)} ('help' lists them)")
            continue
        try:
            action(rest.strip())
        except (KeyError, ValueError, SyntaxError) as exc:
            session.say(f"error: {type(exc).__name__}: {exc}")
    return EXIT_OK


class _Session[I, O]:
    """One REPL session: each command is a method taking the rest of its line."""

    def __init__(self, pg: WorkflowPlayground[I, O], out: TextIO) -> None:
        self.pg, self.out = pg, out
        self.actions: dict[str, Callable[[str], None]] = {
            "help": lambda _: self.say(HELP),
            "s": self.step,
            "step": self.step,
            "p": lambda _: self.show_next(),
            "peek": lambda _: self.show_next(),
            "r": self.run,
            "run": self.run,
            "to": self.run_to,
            "b": self.break_at,
            "break": self.break_at,
            "when": self.when,
            "back": self.back,
            "set": self.set_value,
            "h": self.history,
            "history": self.history,
            "v": self.value,
            "value": self.value,
            "status": self.status,
            "restart": self.restart,
        }

    def say(self, text: str) -> None:
        self.out.write(text + "\n")

    def show_next(self) -> None:
        nxt = self.pg.peek()
        self.say(f"finished: {self.pg.report().result!r}" if nxt is None else f"next: {nxt[0]} <- {nxt[1]!r}")

    def step(self, _: str) -> None:
        entry = self.pg.step()
        self.say("nothing left to run" if entry is None else _entry(entry.name, entry.outcome))
        self.show_next()

    def run(self, _: str) -> None:
        before = len(self.pg.history)
        self.pg.run()
        for entry in self.pg.history[before:]:
            self.say(_entry(entry.name, entry.outcome))
        self.show_next()

    def run_to(self, step: str) -> None:
        found = self.pg.run_to(step)
        if not isinstance(found, Success):
            self.say(f"error: {found.failure()}")
        self.show_next()

    def break_at(self, step: str) -> None:
        self.pg.break_at(step)
        self.say(f"breakpoint before {step}")

    def when(self, expression: str) -> None:
        self.pg.break_when(_predicate(compile(expression, "<when>", "eval")))
        self.say(f"breakpoint when {expression}")

    def back(self, _: str) -> None:
        undone = self.pg.step_back()
        self.say("at the start" if undone is None else f"undid {undone.name}")
        self.show_next()

    def set_value(self, rest: str) -> None:
        step, _, text = rest.partition(" ")
        self.pg.set_value(step, json.loads(text))
        self.say(f"{step} := {text}")
        self.show_next()

    def history(self, _: str) -> None:
        for entry in self.pg.history:
            self.say(_entry(entry.name, entry.outcome))

    def value(self, step: str) -> None:
        self.say(repr(self.pg.value_of(step)))

    def status(self, _: str) -> None:
        for s in self.pg.report().steps:
            self.say(f"  {s.name}: {s.status.value}")

    def restart(self, text: str) -> None:
        self.pg.restart(json.loads(text) if text else None)
        self.show_next()


def _entry(name: str, outcome: Outcome) -> str:
    if outcome.error is not None:
        return f"  x {name} [{outcome.status.value}, {outcome.attempts} attempt(s)]: {outcome.error}"
    extra = f", chose {outcome.chosen}" if outcome.chosen else ""
    return f"  ok {name} [{outcome.status.value}{extra}] -> {outcome.value!r}"


def _predicate(code: types.CodeType) -> Callable[[str, object], bool]:
    def holds(step: str, value: object) -> bool:
        return bool(eval(code, {}, {"step": step, "value": value}))  # noqa: S307 - a debugger evaluates what its user types

    return holds
