"""dbt projects read the way dbt reads them: which files are models (layout.py), the project's
and its packages' macros (macros.py), and a model rendered statically in a Jinja sandbox with
every output character traced back to the file (render.py, context.py)."""
