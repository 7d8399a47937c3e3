"""Pure functions behind the stages, grouped by branch: tabular/ (a table to a tuned model, clustering and the
dense networks on tables), images/ (folders to CNNs and transfer learning) and lessons/ (numpy networks), with
training/ beneath tabular and images (what their Keras networks share), and report/ (the run's summary and
page, from the metrics files alone). At this root, what every branch uses
and which imports none of them: errors, escaping (user text made safe in Markdown and spreadsheets), plots,
compute, progress and evaluation (held-out metrics).
"""
