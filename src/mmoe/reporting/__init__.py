"""The paper's tables from the per-run files: what they read (``inputs``), how they are built
(``results``, ``experts``, ``agreement``, ``datasets``, ``typing_chain``), the papers' numbers
beside them (``paper``) and how they are written (``render``). The registry of tables is
:data:`mmoe.stages.tables.TABLES`."""
