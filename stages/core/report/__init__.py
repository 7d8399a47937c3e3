"""The run at a glance, built from the stages' metrics files alone: headlines (the one screen `make repro` ends
with: each stage's headline beside its baseline), captions (what each figure shows) and page (reports/index.html:
every figure with its sentence)."""
