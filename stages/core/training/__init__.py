"""What both branches' Keras networks share, beneath tabular and images: the runtime (threads, seeds,
determinism, quiet TensorFlow start-up), the DVCLive logger, class imbalance (class weights, the positive class,
a threshold chosen on the validation split, the headline test metrics) and the learning-curve figures.
Imports only stages.core's shared modules.
"""
