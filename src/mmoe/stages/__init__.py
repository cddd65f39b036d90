"""Stage functions: what each workflow rule does, callable (and tested) without Snakemake.

One module per rule file: ``workflow/rules/<stage>.smk`` runs the functions of
``mmoe.stages.<stage>``, and a function is named after its rule. Each reads its input files, calls
the science modules and writes its outputs atomically.
"""
