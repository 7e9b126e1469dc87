"""Layer 3: running work — specs, dispatch, executors, resilience, dead letters, the ledger.

Pure state machines (``retry``, ``breaker``, ``limiter``, ``status``, ``ledger_chain``) with thin
shells around them. ``RedisLimiter`` lives in :mod:`spine.execution.redis_limiter` (it needs the
``redis`` extra).
"""

from spine.execution.breaker import (
    Admit,
    BreakerState,
    CircuitOpenError,
    Closed,
    Disabled,
    ForcedOpen,
    HalfOpen,
    Open,
    Reject,
)
from spine.execution.breaker_policy import BreakerPolicy, ErrorMatch, SlidingWindowType
from spine.execution.breaker_shell import CircuitBreaker, StateListener
from spine.execution.dispatcher import DeadLetterSink, Dispatcher, EventSink
from spine.execution.dlq import DeadLetter, DeadLetterStatus, DLQManager
from spine.execution.executor import Executor
from spine.execution.executors import InlineExecutor, ProcessExecutor, ThreadExecutor
from spine.execution.jitter import JitterMode, RandomSource
from spine.execution.ledger import ExecutionLedger, VerifyReport
from spine.execution.ledger_chain import (
    Extra,
    LedgerEvent,
    Missing,
    Modified,
    Reordered,
    Tamper,
    Unanchored,
    verify_chain,
)
from spine.execution.limiter import Denied, Granted, SlidingWindow, TokenBucket, take
from spine.execution.limiter_shell import Limiter, RateLimiter, limited
from spine.execution.registry import Handler, HandlerRegistry
from spine.execution.retry import Backoff, GiveUp, GiveUpReason, RetryAfter, RetryPolicy, next_delay
from spine.execution.retry_shell import RetryEvent, Retrying, call_with_retry, retrying
from spine.execution.runner import Attempt, Outcome, run_attempt
from spine.execution.runs import RunRecord
from spine.execution.spec import WorkKind, WorkSpec
from spine.execution.status import RunStatus, transition

__all__ = [
    "Admit",
    "Attempt",
    "Backoff",
    "BreakerPolicy",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "Closed",
    "DLQManager",
    "DeadLetter",
    "DeadLetterSink",
    "DeadLetterStatus",
    "Denied",
    "Disabled",
    "Dispatcher",
    "ErrorMatch",
    "EventSink",
    "ExecutionLedger",
    "Executor",
    "Extra",
    "ForcedOpen",
    "GiveUp",
    "GiveUpReason",
    "Granted",
    "HalfOpen",
    "Handler",
    "HandlerRegistry",
    "InlineExecutor",
    "JitterMode",
    "LedgerEvent",
    "Limiter",
    "Missing",
    "Modified",
    "Open",
    "Outcome",
    "ProcessExecutor",
    "RandomSource",
    "RateLimiter",
    "Reject",
    "Reordered",
    "RetryAfter",
    "RetryEvent",
    "RetryPolicy",
    "Retrying",
    "RunRecord",
    "RunStatus",
    "SlidingWindow",
    "SlidingWindowType",
    "StateListener",
    "Tamper",
    "ThreadExecutor",
    "TokenBucket",
    "Unanchored",
    "VerifyReport",
    "WorkKind",
    "WorkSpec",
    "call_with_retry",
    "limited",
    "next_delay",
    "retrying",
    "run_attempt",
    "take",
    "transition",
    "verify_chain",
]
