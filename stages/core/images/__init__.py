"""The image branch: folders of photos to pixels, the course's CNN and MLP, and transfer learning.

Folder scanning and decoding (folders, pixels), the Keras image models and their batches (networks), the
pretrained backbones and the two-phase transfer recipe (backbones, transfer, transfer_plan) and the image
figures (plots). Imports stages.core's shared modules and stages.core.training, never tabular or lessons.
"""
