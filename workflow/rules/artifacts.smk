# Files computed elsewhere (the artifacts manifest): fetched or copied, every checksum checked.
# Where they come from (`artifacts_dir`, `artifacts.url`: read by the script) is not a param: the
# checksum fixes their content, so a folder, a download or a mirror rerun nothing.
rule fetch_artifact:
    output:
        f"{ARTIFACTS_DIR}/{{artifact}}",
    log:
        "logs/artifacts/{artifact}.log",
    wildcard_constraints:
        artifact=artifact_names(),
    conda:
        "../../envs/core.yaml"
    params:
        sha256=lambda wildcards: ARTIFACTS["files"][wildcards.artifact],
    script:
        "../../scripts/fetch_artifact.py"
