"""The lessons branch: networks from scratch in numpy (forward pass, backpropagation, the logic gates
and iris lessons) and their figures. Imports only stages.core's shared modules: no scikit-learn model, no Keras.
"""
