"""Layer 4: typed steps, railway composition, workflows and their runners."""

from spine.orchestration.compose import chain, chain_all, choice, conditional, parallel
from spine.orchestration.playground import WorkflowPlayground
from spine.orchestration.policy import OnError, StepPolicy
from spine.orchestration.report import RunState, StepReport, StepStatus, SuspendedError, WorkflowReport
from spine.orchestration.runner import WorkflowRunner
from spine.orchestration.step import Step, Task, lift, map_each, operation, step, wait
from spine.orchestration.tracked import DurableWorkflow, TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow, merge_workflows, workflow

__all__ = [
    "DurableWorkflow",
    "OnError",
    "RunState",
    "Step",
    "StepPolicy",
    "StepReport",
    "StepStatus",
    "SuspendedError",
    "Task",
    "TrackedWorkflowRunner",
    "Workflow",
    "WorkflowPlayground",
    "WorkflowReport",
    "WorkflowRunner",
    "chain",
    "chain_all",
    "choice",
    "conditional",
    "lift",
    "map_each",
    "merge_workflows",
    "operation",
    "parallel",
    "step",
    "wait",
    "workflow",
]
