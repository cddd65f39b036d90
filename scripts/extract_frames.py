"""One frame per video (1 fps, the configured frame) into results/{dataset}/frames."""

from mmoe.logs import to_log
from mmoe.stages.ingest import extract_frames

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    for problem in extract_frames(sm.input[0], sm.output[0], sm.params.cfg["frame"]):
        print(f"skipped: {problem}")
