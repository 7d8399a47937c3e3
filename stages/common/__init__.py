"""What the stage shells share and core never sees: paths (paths.yaml), reading and writing files, the run of a
stage (one-line errors, exit codes), arrays and Keras models on disk."""
