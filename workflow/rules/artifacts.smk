# Files computed elsewhere (the artifacts manifest): fetched or copied, every checksum checked.
# Where they come from (`artifacts_dir`, read by the script) is not a param: the checksum fixes
# their content, so switching between the folder and the download reruns nothing.
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
        url=lambda wildcards: artifact_url(ARTIFACTS, wildcards.artifact),
    script:
        "../../scripts/fetch_artifact.py"
