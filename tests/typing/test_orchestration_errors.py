"""Mistakes ``spine.orchestration``'s types must catch: each line is an error, pinned by its code.

Type-checked by mypy (strict) and basedpyright (strict); never run (see
``test_orchestration_types.py`` for the positive facts). mypy runs with
``warn_unused_ignores``: if a line below stops being an error (or becomes an error of
another code), the run fails. pyright honours the same ``# type: ignore`` comments without
reading the code in brackets; the file-level switch below makes it fail on an ignore that
suppresses nothing, so each mistake is pinned under both checkers.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from returns.result import Result, Success

from spine.core.errors import NetworkError, SpineError, ValidationError
from spine.execution.retry import RetryPolicy
from spine.orchestration import (
    OnError,
    Step,
    StepPolicy,
    Task,
    Workflow,
    WorkflowRunner,
    chain,
    choice,
    conditional,
    lift,
    map_each,
    merge_workflows,
    operation,
    parallel,
    step,
    wait,
    workflow,
)


class Order(msgspec.Struct, frozen=True):
    qty: int


@step
def parse(text: str) -> Result[int, ValidationError]:
    return Success(int(text))


@step
def double(n: int) -> Result[int, SpineError]:
    return Success(n * 2)


@step
def fetch(n: int) -> Result[str, NetworkError]:
    return Success(str(n))


def positive(n: int) -> bool:
    return n > 0


def is_long(text: str) -> bool:
    return len(text) > 3


def add_both(a: int, b: int) -> int:
    return a + b


def plain(n: int) -> int:
    return n


def text_error(n: int) -> Result[int, str]:
    return Success(n)


def total(values: Sequence[int]) -> int:
    return sum(values)


# --- wiring: each step's output must be the next one's input ---------------------------


def chain_of_mismatched_types() -> None:
    chain(parse, parse)  # type: ignore[misc]  # parse gives an int, parse takes a str


def chain_str_into_int() -> None:
    chain(parse, fetch, double)  # type: ignore[misc]  # fetch gives a str, double takes an int


def wait_for_the_wrong_type() -> None:
    chain(parse, wait(str, seconds=5))  # type: ignore[misc]  # the value passing through is an int


def map_over_a_single_value() -> None:
    chain(parse, map_each(double))  # type: ignore[misc]  # a map takes a sequence, parse gives one int


def map_result_is_a_tuple_not_one_value() -> None:
    chain(map_each(double), double)  # type: ignore[misc]  # a map gives a tuple of results


def an_operation_takes_its_params_struct() -> None:
    # Named first: written inline, pyright solves the params type as ``int | Order`` (an input
    # type is contravariant, so any supertype of Order satisfies ``type[P]``) and accepts it.
    place = operation("orders.place", params=Order, result=int)
    chain(parse, place)  # type: ignore[misc]  # it takes an Order


def a_plain_function_is_not_a_step() -> None:
    chain(parse, plain)  # type: ignore[call-overload]  # wrap it: lift(plain)


def parallel_branches_take_the_same_input() -> None:
    # mypy solves the branches' input as Never (str & int) and accepts the parallel itself; the
    # workflow then takes no input at all. pyright refuses the parallel. One line pins both.
    WorkflowRunner().run(workflow("p", parallel(parse, double)), "1")  # type: ignore[misc]  # str vs int input


# --- outputs: a step's declared types are exact -----------------------------------------


def the_output_type_is_kept() -> None:
    s: Step[str, str, ValidationError] = parse  # type: ignore[assignment]  # parse gives an int
    del s


def branches_must_agree_on_their_output() -> None:
    conditional(positive, double, fetch)  # type: ignore[misc]  # int vs str: a merge has one type


def choice_branches_must_agree_with_the_default() -> None:
    choice((positive, fetch), default=double)  # type: ignore[arg-type]  # str vs int


def a_choice_needs_a_default() -> None:
    choice((positive, double))  # type: ignore[call-arg]  # exhaustive by construction: default is required


def the_predicate_reads_the_branch_input() -> None:
    conditional(is_long, double, double)  # type: ignore[arg-type]  # the predicate sees an int


def parallel_output_is_a_tuple() -> None:
    s: Step[str, int, ValidationError] = parallel(parse, parse)  # type: ignore[assignment]  # a tuple[int, int]
    del s


# --- errors: composition unions them; forgetting that is an error ----------------------


def error_widening_forgotten() -> None:
    s: Step[str, int, ValidationError] = chain(parse, double)  # type: ignore[arg-type]  # double may fail with any SpineError
    del s


def error_narrowing_assignment() -> None:
    t: Task[int, int, ValidationError] = double  # type: ignore[assignment]  # SpineError is wider
    del t


def workflow_keeps_the_error_union() -> None:
    w: Workflow[str, str, ValidationError] = workflow("w", chain(parse, fetch))  # type: ignore[arg-type]  # | NetworkError
    del w


def step_errors_must_be_spine_errors() -> None:
    step(text_error)  # type: ignore[type-var]  # errors are SpineErrors, not text


def step_functions_return_results() -> None:
    step(plain)  # type: ignore[arg-type]  # step() takes a Result function; lift() a plain one


def lift_takes_one_argument() -> None:
    lift(add_both)  # type: ignore[arg-type]  # a step takes one value


# --- policies: only a leaf Task takes one, with values of the right type ----------------


def retry_on_a_chain() -> None:
    chain(parse, double).retry(RetryPolicy())  # type: ignore[attr-defined]  # policies go on a Task


def recover_with_a_fallback_of_the_wrong_type() -> None:
    double.recover("none")  # type: ignore[arg-type]  # the fallback is an int output


def compensate_with_a_step_that_does_not_take_the_output() -> None:
    double.compensate_with(parse)  # type: ignore[arg-type]  # the undo gets double's int output


def timeout_in_seconds() -> None:
    double.timeout("5s")  # type: ignore[arg-type]  # seconds, as a float


def on_error_is_an_enum() -> None:
    StepPolicy(on_error="continue")  # type: ignore[arg-type]  # OnError.CONTINUE


def policies_are_frozen() -> None:
    double.policy.on_error = OnError.CONTINUE  # type: ignore[misc]  # use double.recover(...)


def map_concurrency_is_a_number() -> None:
    map_each(double, concurrency="4")  # type: ignore[arg-type]  # an int


# --- running ----------------------------------------------------------------------------


def run_with_the_wrong_input() -> None:
    WorkflowRunner().run(workflow("w", parse), 1)  # type: ignore[misc]  # the workflow takes a str


def the_report_has_the_output_type() -> None:
    r: Result[int, SpineError] = WorkflowRunner().run(workflow("w", chain(parse, fetch)), "1").result  # type: ignore[assignment]  # str
    del r


def merging_mismatched_workflows() -> None:
    merge_workflows("m", workflow("a", parse), workflow("b", parse))  # type: ignore[misc]  # int into str


def a_step_is_not_callable() -> None:
    parse("1")  # type: ignore[operator]  # run it: WorkflowRunner().run(workflow(...), "1")


def a_workflow_is_not_a_step() -> None:
    chain(workflow("w", parse), double)  # type: ignore[call-overload]  # use .as_step()


def total_takes_a_map_result_not_an_int() -> None:
    chain(double, lift(total))  # type: ignore[misc]  # total takes a sequence
