"""Type every datapoint R/U/S and write the hive-partitioned training partitions."""

from mmoe.snakemake_job import run_stage
from mmoe.stages.partition import partition_interactions

run_stage(partition_interactions, snakemake)  # noqa: F821
