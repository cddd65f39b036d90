"""A stage function run as a Snakemake job: every script is ``run_stage(function, snakemake)``.

The function's keyword arguments are taken by name from the job's named ``input``, ``output``,
``params`` and ``wildcards`` (and ``threads``), so that a rule and its stage function share one
vocabulary and no setting passes by position. A name found twice, or a parameter the job does
not name, is an error that says which.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from mmoe.logs import to_log

SOURCES = ("input", "output", "params", "wildcards")
# Wildcards constrained to digits (workflow/rules/common.smk): the stage reads them as numbers.
INTEGER_WILDCARDS = ("seed", "shard")


def named_items(job, source: str) -> dict:
    """The named items of the job's ``source`` (input, output, params, wildcards)."""
    items = dict(getattr(job, source).items())
    if source == "wildcards":
        items = {k: int(v) if k in INTEGER_WILDCARDS else v for k, v in items.items()}
    return items


def job_arguments(function: Callable, job) -> dict:
    """The keyword arguments of ``function`` that the job names."""
    parameters = inspect.signature(function).parameters
    arguments, origin = {}, {}
    for source in SOURCES:
        for name, value in named_items(job, source).items():
            if name not in parameters:
                continue
            if name in arguments:
                raise TypeError(
                    f"{function.__name__}: {name!r} is named by both the job's "
                    f"{origin[name]} and its {source}"
                )
            arguments[name], origin[name] = value, source
    if "threads" in parameters:
        arguments["threads"] = job.threads
    missing = [
        name
        for name, p in parameters.items()
        if p.default is p.empty and p.kind is not p.VAR_KEYWORD and name not in arguments
    ]
    if missing:
        raise TypeError(
            f"{function.__name__} needs {missing}, which the job's rule does not name "
            f"in its {', '.join(SOURCES)}"
        )
    return arguments


def run_stage(function: Callable, job):
    """Call ``function`` with the job's named files and settings, its output to the job's log."""
    with to_log(job.log[0]):
        return function(**job_arguments(function, job))
