"""The image branch's names that params.yaml may use, without numpy or Keras, so that the schema validates them
in a fraction of a second."""

# name -> (keras.applications constructor, module holding its preprocess_input)
APPLICATIONS = {
    "vgg16": ("VGG16", "vgg16"),
    "mobilenet_v2": ("MobileNetV2", "mobilenet_v2"),
    "efficientnet_b0": ("EfficientNetB0", "efficientnet"),
    "resnet50": ("ResNet50", "resnet50"),
}
BACKBONES = ("pipeline", *APPLICATIONS)  # pipeline: a small CNN pre-trained here (offline)
