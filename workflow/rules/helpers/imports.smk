# Input, params and output-path functions of the rules in imports.smk.
from mmoe.external import entry_path
from mmoe.families.imported import SINGLE_MODEL, is_imported


def imported_families():
    """A wildcard constraint: the datasets' imported families (none: matches nothing)."""
    return "|".join(re.escape(f) for f in DATASET_FAMILIES if is_imported(f)) or "(?!)"


def imported_params(wildcards):
    """The family's params as the job's dataset reads them: its own files only."""
    params = family_params(wildcards)
    files = params.get("files", {}).get(wildcards.dataset, {})
    return {**params, "files": {wildcards.dataset: files}}


def imported_inputs(*roles):
    """An input function: the rows and the family's files of ``roles`` for the job's dataset."""

    def inputs(wildcards):
        files = family_params(wildcards).get("files", {}).get(wildcards.dataset, {})
        return {
            "data": data_file(wildcards.dataset),
            **{
                f"file_{role}": entry_path(files[role])
                for role in roles
                if role in files
            },
        }

    return inputs
