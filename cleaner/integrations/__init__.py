"""Adapters for distributed engines and dataset libraries.

Every adapter calls :func:`cleaner.integrations.batch.clean_batch`, the one
batch function (pandas, Arrow or dict-of-lists batches in, record columns out):

* :mod:`cleaner.integrations.ray`   ``clean_dataset(ds)`` for a Ray Dataset; ``cleaner clean --engine ray``
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

__all__ = ["OUTPUT_COLUMNS", "SPARK_SCHEMA", "arrow_schema", "clean_batch", "get_pipeline", "row_to_record"]
