"""Adapters for distributed engines and dataset libraries.

Every adapter calls :func:`cleaner.integrations.batch.clean_batch`, the one
batch function (pandas, Arrow or dict-of-lists batches in, record columns out),
with one :class:`~cleaner.integrations.spec.BatchSpec` (the columns, config,
format and site-template options; every entry point also takes them as keywords):

* :mod:`cleaner.integrations.spec`  ``BatchSpec`` and ``check_columns``, the one check of a dataset's columns
* :mod:`cleaner.integrations.ray`   ``clean_dataset(ds)`` for a Ray Dataset
* :mod:`cleaner.integrations.ray_files` ``cleaner clean --engine ray`` (files in, part files out;
  its inputs and outputs in :mod:`cleaner.integrations.ray_io`)
* :mod:`cleaner.integrations.spark` ``clean_dataframe(df)`` / a ``mapInPandas`` function / a pandas UDF
* :mod:`cleaner.integrations.hf`    ``clean_dataset(ds)`` for a Hugging Face ``datasets.Dataset``

Site templates (issue 21) work on every engine as in a local ``cleaner clean``:
each entry point takes ``site_templates`` (``"auto"``, ``True``, ``False``),
``templates`` (a table or a saved file) and ``site_field``; each engine module
has ``count_templates`` (its first pass); the shared parts are in
:mod:`cleaner.integrations.sites`.

The engine modules import their engine only when used; install them with the
extras ``cleaner[ray]``, ``cleaner[spark]``, ``cleaner[hf]``.
"""

from cleaner.integrations.batch import (
    OUTPUT_COLUMNS,
    SPARK_SCHEMA,
    arrow_schema,
    clean_batch,
    get_pipeline,
    row_to_record,
)
from cleaner.integrations.spec import BatchSpec

__all__ = [
    "OUTPUT_COLUMNS",
    "SPARK_SCHEMA",
    "BatchSpec",
    "arrow_schema",
    "clean_batch",
    "get_pipeline",
    "row_to_record",
]
