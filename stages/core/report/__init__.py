"""The run at a glance, built from the stages' metrics files alone: summary (the one screen `make repro` ends
with: each stage's headline beside its baseline) and page (reports/index.html: every figure with a sentence)."""
