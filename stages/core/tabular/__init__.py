"""The tabular branch: a table from a CSV or a bundled data set to a compared, tuned and evaluated model.

Column typing and reading (columns, reading, datasets), the leak-free preprocessing definition, the task
(classification or regression) and its scorers, feature selection inside folds, the model zoo, comparison with
the corrected t-test, tuning, the size rules that keep all of it fast from 300 to 1,000,000 rows, clustering
(the same table without its labels) and the dense networks on tables (dense, dense_plan), which train with
stages.core.training. Imports the shared modules at stages.core's root and stages.core.training, never images
or lessons.
"""
