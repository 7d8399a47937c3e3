"""Stage transfer: the offline pipeline backbone, a keras.applications backbone, what each phase trains,
that the pretrained weights are really carried over, and bad input."""

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from skimage import io as skio

from stages import ingest_images, transfer
from stages.common import paths
from stages.common.arrays import read_image_split
from stages.common.io import read_json
from stages.core.images.transfer_plan import BACKBONES, only
from tests.conftest import REPO, bars, run_fails, run_ok, set_params


def keras_ready():
    import keras

    from stages.core.images import backbones
    from stages.core.images import transfer as core
    from stages.core.training.runtime import configure  # first, as in the stages: TensorFlow's settings before it loads

    configure(0, "off")  # as the stage does: fresh session, seeded, float32
    return keras, core, backbones


def weights_of(layer_list):
    return [w.numpy().copy() for layer in layer_list for w in layer.weights]


def test_backbone_names_match_what_the_stage_builds():
    from stages.core.images.transfer_plan import APPLICATIONS

    assert set(BACKBONES) == {"pipeline", *APPLICATIONS}


def test_pipeline_backbone_transfers_and_is_compared_with_scratch(shapes):
    run_ok(transfer)
    metrics = read_json(paths.TRANSFER_METRICS)
    assert metrics["train_images"] == 10  # 5 per target class
    for key in ("transfer_accuracy", "scratch_accuracy", "pretrain_val_accuracy"):
        assert 0 <= metrics[key] <= 1, key
    assert metrics["transfer_gain"] == pytest.approx(metrics["transfer_accuracy"] - metrics["scratch_accuracy"])
    final = metrics["phase2"] if metrics["phase2"]["kept"] else metrics["phase1"]  # phase 2 kept if it helped
    assert metrics["transfer_accuracy"] == final["test_accuracy"]
    assert metrics["transfer_balanced_accuracy"] == final["test_balanced_accuracy"]
    assert metrics["transfer_sensitivity"] == final["test_sensitivity"]  # two target classes: the binary view
    assert [metrics[k]["epochs"] for k in ("phase1", "phase2", "scratch")] == [2, 1, 3]
    # phase 1 trains the head alone; phase 2 adds the top convolution; scratch trains everything
    p1, p2, scratch = (metrics[k]["trainable_params"] for k in ("phase1", "phase2", "scratch"))
    assert p1 == 3 * 3 * 8 * 8 + 8 + 8 * 2 + 2  # flatten (12 px, pooled twice: 3x3x8) -> dense 8 -> softmax 2
    assert p2 == p1 + 3 * 3 * 4 * 8  # block2_conv (no bias); its BatchNorm stays frozen
    assert scratch == p2 + 3 * 3 * 1 * 4 + 2 * (4 + 8)  # + block1_conv and both BatchNorms' scale and offset
    # one continuous DVCLive curve over both phases, each step marked with its phase
    phase = pd.read_csv(paths.TRANSFER_LIVE_PLOTS / "phase.tsv", sep="\t")
    assert phase["step"].tolist() == [0, 1, 2] and phase["phase"].tolist() == [1, 1, 2]
    assert pd.read_csv(paths.TRANSFER_LIVE_PLOTS / "eval/loss.tsv", sep="\t")["step"].tolist() == [0, 1, 2]
    # the head knows only the target classes
    assert set(read_json(paths.TRANSFER_PER_CLASS)) == {"2", "3"}
    assert set(pd.read_csv(paths.TRANSFER_CONFUSION)["actual"].astype(str)) == {"2", "3"}
    assert paths.TRANSFER_CURVES_PNG.read_bytes()[:4] == b"\x89PNG"


def test_saved_model_takes_stored_images_and_reproduces_the_test_accuracy(shapes):
    keras, core, bb = keras_ready()
    run_ok(transfer)
    model = keras.saving.load_model(paths.TRANSFER_MODEL)  # BackboneInput is registered by stages.core.images.backbones
    pixels, codes = read_image_split(paths.IMAGES_TEST)
    rows, y = only(codes, [2, 3])
    assert pixels.dtype == np.uint8 and read_json(paths.TRANSFER_LABELS)["classes"] == ["2", "3"]
    accuracy = (model.predict(pixels[rows], verbose=0).argmax(axis=1) == y).mean()
    assert accuracy == pytest.approx(read_json(paths.TRANSFER_METRICS)["transfer_accuracy"])


def head_of(shape: tuple, size: int, pooling: str):
    """The pipeline backbone's head: 8 dense units, no dropout."""
    from stages.core.images.transfer import Head

    return Head(shape, "pipeline", size, SimpleNamespace(pooling=pooling, dense_units=8, dropout=0.0))


def test_phase_1_trains_only_the_head_and_phase_2_exactly_the_top_n_non_batchnorm_layers():
    keras, core, bb = keras_ready()
    base = bb.pipeline_backbone(16, 1, [4, 8, 8])
    model = core.compile_adam(core.with_head(base, head_of((16, 16, 1), 16, "avg"), 3, frozen=True),
                              0.01)
    x = np.random.default_rng(0).uniform(0, 255, size=(24, 16, 16, 1)).astype("float32")  # stored pixels
    y = np.arange(24) % 3
    assert {w.path.split("/")[0] for w in model.trainable_weights} == {"head_dense", "head_softmax"}
    frozen = weights_of(base.layers)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, weights_of(base.layers), strict=True))

    assert bb.unfreeze_top(base, 2) == ["block2_conv", "block3_conv"]
    core.compile_adam(model, 0.01)
    assert [layer.name for layer in base.layers if layer.trainable and layer.weights] == ["block2_conv", "block3_conv"]
    before = {layer.name: weights_of([layer]) for layer in base.layers if layer.weights}
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for layer in base.layers:
        if layer.weights:  # BatchNorm, block1 included: neither weights nor moving statistics move
            same = all(np.array_equal(a, b) for a, b in zip(before[layer.name], weights_of([layer]), strict=True))
            assert same != (layer.name in ("block2_conv", "block3_conv")), layer.name


def test_keras_applications_top_layers_skip_batchnorm():
    keras, core, bb = keras_ready()
    base = bb.application_backbone("mobilenet_v2", "none", 32, key="transfer.weights")
    names = bb.unfreeze_top(base, 3)
    assert names == ["block_16_depthwise", "block_16_project", "Conv_1"]
    trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    assert trainable == names  # block_16_project_BN and Conv_1_bn, between them, stay frozen
    assert isinstance(base.get_layer("Conv_1_bn"), keras.layers.BatchNormalization)


def test_transferred_backbone_carries_the_pretrained_weights():
    keras, core, bb = keras_ready()
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(32, 12, 12, 1)).astype("float32")
    base = bb.pipeline_backbone(12, 1, [4, 8])
    fresh = weights_of(base.layers)
    pretrain = core.compile_adam(core.with_head(base, head_of((12, 12, 1), 12, "avg"), 4, frozen=False),
                                 0.01)
    pretrain.fit(x, np.arange(32) % 4, epochs=2, batch_size=8, verbose=0)
    pretrained = weights_of(base.layers)
    assert not all(np.array_equal(a, b) for a, b in zip(fresh, pretrained, strict=True))

    model = core.with_head(base, head_of((12, 12, 1), 12, "flatten"), 2, frozen=True)
    carried = weights_of(model.get_layer("pipeline").layers)
    assert all(np.array_equal(a, b) for a, b in zip(pretrained, carried, strict=True))
    core.compile_adam(model, 0.01).fit(x, np.arange(32) % 2, epochs=1, batch_size=8, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(pretrained, weights_of(base.layers), strict=True))


def test_applications_backbone_loads_a_local_weights_file(tmp_path):
    keras, core, bb = keras_ready()
    saved = bb.application_backbone("mobilenet_v2", "none", 32, key="transfer.weights")
    saved.save_weights(tmp_path / "mobilenet.weights.h5")
    keras.utils.set_random_seed(7)
    loaded = bb.application_backbone("mobilenet_v2", str(tmp_path / "mobilenet.weights.h5"), 32, key="transfer.weights")
    keras.utils.set_random_seed(7)
    random = bb.application_backbone("mobilenet_v2", "none", 32, key="transfer.weights")
    assert all(np.array_equal(a, b) for a, b in zip(weights_of(saved.layers), weights_of(loaded.layers), strict=True))
    assert not np.array_equal(weights_of(random.layers)[0], weights_of(loaded.layers)[0])


def test_mobilenet_v2_without_weights_runs_on_small_grey_images(shapes, workdir, capsys):
    set_params(workdir, transfer__backbone="mobilenet_v2", transfer__weights="none", transfer__epochs=1,
               transfer__fine_tune_layers=2)
    run_ok(transfer)
    out = capsys.readouterr().out
    assert "mobilenet_v2 backbone (random weights) at 32x32 -> 4 classes" in out  # 12 px grey -> 32 px RGB
    assert "fine-tuned block_16_project, Conv_1" in out
    metrics = read_json(paths.TRANSFER_METRICS)
    # every training image: few-shot picks apply to the pipeline backbone only
    assert metrics["train_images"] == len(read_image_split(paths.IMAGES_TRAIN)[1]) == 33
    assert "pretrain_val_accuracy" not in metrics
    assert metrics["scratch"]["trainable_params"] > metrics["phase2"]["trainable_params"] > metrics["phase1"][
        "trainable_params"]
    assert "transfer_sensitivity" not in metrics and "threshold" not in metrics["phase1"]  # four classes


def test_imagenet_weights_offline_is_one_line_naming_the_file_and_the_ways_out(shapes, workdir, tmp_path):
    set_params(workdir, transfer__backbone="mobilenet_v2", transfer__weights="imagenet")
    blocked = "http://127.0.0.1:9"  # nothing listens there: every download fails at once
    env = {**os.environ, "PYTHONPATH": str(REPO), "KERAS_HOME": str(tmp_path / "keras"), "NO_PROXY": "",
           "no_proxy": "", **{name: blocked for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY")}}
    done = subprocess.run([sys.executable, "-m", "stages.transfer"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    file = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    assert errors[0].startswith(f"error: transfer: cannot download mobilenet_v2's ImageNet weights {file}")
    assert f"in the Keras cache {tmp_path / 'keras' / 'models'}/" in errors[0]
    assert f"set transfer.weights: data/weights/{file}" in errors[0]
    assert not paths.TRANSFER_METRICS.exists() and not paths.TRANSFER_MODEL.exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"transfer__backbone": "inception_v3"},
     "`transfer.backbone` = 'inception_v3' is not allowed; choose one of pipeline, vgg16, mobilenet_v2, "
     "efficientnet_b0 or resnet50"),
    ({"transfer__backbone": "vgg16", "transfer__weights": "data/weights/vgg16_notop.h5"},
     "transfer.weights = 'data/weights/vgg16_notop.h5' does not exist; save vgg16's no-top weights there"),
    ({"transfer__weights": "data/weights/any.h5"},
     "transfer.weights = 'data/weights/any.h5': a weights file needs a keras.applications backbone "
     "(vgg16, mobilenet_v2, efficientnet_b0, resnet50)"),
    ({"transfer__fine_tune_layers": 3},
     "transfer.fine_tune_layers = 3, but pipeline has 2 layers with weights (BatchNorm not counted); choose 0 to 2"),
    ({"transfer__pipeline__source_classes": [0, 1, 2]},
     "transfer.pipeline.source_classes leaves 3 class(es) to pre-train on and 1 to transfer to; both need at "
     "least 2 of the 4 classes"),
    ({"transfer__pipeline__source_classes": [0, 7]},
     "transfer.pipeline.source_classes: 7 not among the image classes (0, 1, 2, 3)"),
    ({"transfer__input_size": 2},
     "transfer.input_size = 2 is below pipeline's minimum of 4 pixels"),
])
def test_bad_input(shapes, workdir, capsys, overrides, message):
    set_params(workdir, **overrides)
    assert message in run_fails(transfer, capsys)
    assert not paths.TRANSFER_METRICS.parent.exists() and not paths.TRANSFER_MODEL.exists()


def test_weights_file_outside_data_weights(shapes, workdir, capsys):
    (workdir / "elsewhere.h5").write_bytes(b"x")
    set_params(workdir, transfer__backbone="vgg16", transfer__weights="elsewhere.h5")
    assert ("transfer.weights = 'elsewhere.h5' is outside data/weights/; move it there and `dvc add` it"
            in run_fails(transfer, capsys))


@pytest.mark.parametrize("content", ["other_backbone", "not_hdf5"])
def test_weights_file_that_does_not_fit_the_backbone(shapes, workdir, capsys, content):
    keras, core, bb = keras_ready()
    path = workdir / "data/weights/mobilenet.weights.h5"
    if content == "other_backbone":
        bb.application_backbone("mobilenet_v2", "none", 32, key="transfer.weights").save_weights(path)
    else:
        path.write_bytes(b"not an HDF5 file")
    set_params(workdir, transfer__backbone="resnet50", transfer__weights="data/weights/mobilenet.weights.h5")
    err = run_fails(transfer, capsys)
    assert "transfer.weights = 'data/weights/mobilenet.weights.h5' does not fit resnet50 without its top (" in err
    assert "use resnet50's no-top weights (a Keras .h5 or .weights.h5 file), or weights: imagenet" in err


def test_download_problems_say_what_to_do_and_other_errors_pass_through():
    from stages.core.images.backbones import download_problem

    corrupted = download_problem("vgg16", "Incomplete or corrupted file detected. The sha256 file hash does not match",
                                 "transfer.weights")
    assert corrupted.startswith("the cached ImageNet weights of vgg16 under ") and "delete that file" in corrupted
    refused = download_problem("vgg16", "URL fetch failure on https://example.org/w/vgg16_notop.h5: 403 -- Forbidden",
                               "transfer.weights")
    assert refused.startswith("cannot download vgg16's ImageNet weights vgg16_notop.h5 (Forbidden); either put")
    # our bug: keep the traceback
    assert download_problem("vgg16", "Input size must be at least 32x32", "transfer.weights") is None


def write_named_folder(root, classes, per_class, splits=None, seed=0):
    """Named class folders of bar images (a folder per class, or CIFAR's train/ test/ of class folders)."""
    rng = np.random.default_rng(seed)
    for split in splits or [None]:
        for name, kind in zip(classes, "hvda", strict=False):
            folder = root / split / name if split else root / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                grey = bars(kind, 32, rng)
                skio.imsave(folder / f"{name}_{i:03d}.png", np.stack([grey, grey // 2, 255 - grey], axis=-1),
                            check_contrast=False)


@pytest.mark.parametrize("layout", ["subfolders", "cifar"])
def test_default_params_fit_a_named_class_folder(workdir, capsys, layout):
    root = workdir / "data/raw/images/animals"
    if layout == "cifar":  # cifar10/{train,test}/{airplane,...}/: no val/, carved from train/
        write_named_folder(root, ["airplane", "automobile", "bird", "cat"], 14, splits=["train", "test"])
    else:
        write_named_folder(root, ["cat", "dog", "fox", "owl"], 24)
    set_params(workdir, images__source="data/raw/images/animals")  # nothing else: transfer's defaults as they are
    run_ok(ingest_images)
    run_ok(transfer)
    out = capsys.readouterr().out
    source, target = (["airplane", "automobile"], ["bird", "cat"]) if layout == "cifar" else (["cat", "dog"],
                                                                                             ["fox", "owl"])
    assert f"pipeline backbone (pre-trained here on classes {', '.join(source)})" in out  # auto: the first half
    assert "fewer training images than transfer.pipeline.target_samples_per_class = 20, all used:" in out
    assert read_json(paths.TRANSFER_LABELS)["classes"] == target
    metrics = read_json(paths.TRANSFER_METRICS)
    assert 0.5 <= metrics["transfer_accuracy"] <= 1 and "transfer_sensitivity" in metrics  # two target classes
    assert metrics["phase1"]["epochs"] <= 20 and metrics["scratch"]["epochs"] <= 30  # early stopping may cut them


def test_source_classes_auto_needs_four_classes(workdir, capsys):
    write_named_folder(workdir / "data/raw/images/xray", ["NORMAL", "PNEUMONIA"], 10)
    set_params(workdir, images__source="data/raw/images/xray")
    run_ok(ingest_images)
    assert ("transfer.pipeline.source_classes = auto needs at least 4 image classes (2 to pre-train on, 2 to "
            "transfer to), but there are 2 (NORMAL, PNEUMONIA); use a keras.applications backbone"
            in run_fails(transfer, capsys))


def test_a_frozen_backbone_of_random_or_vanishing_features_is_warned_about(shapes, workdir, capsys):
    keras, core, bb = keras_ready()
    x = np.random.default_rng(0).uniform(0, 255, (4, 12, 12, 1)).astype(np.uint8)
    inputs = keras.Input((12, 12, 1))
    tiny = keras.Model(inputs, keras.layers.Rescaling(3e-7)(inputs))  # what a random EfficientNetB0 gives
    assert bb.feature_problem(tiny, "pipeline", 12, x) == "vanish (largest |value| 3.0e-07)"
    same = keras.Model(inputs, keras.layers.Rescaling(0.0, offset=1.0)(inputs))
    assert bb.feature_problem(same, "pipeline", 12, x) == "are the same for every image"
    assert bb.feature_problem(bb.pipeline_backbone(12, 1, [4]), "pipeline", 12, x) is None

    set_params(workdir, transfer__weights="none", transfer__scratch=False, transfer__fine_tune_epochs=0)
    run_ok(transfer)
    captured = capsys.readouterr()
    assert "transfer: pipeline backbone (random weights) at 12x12" in captured.out
    assert ("warning: transfer: transfer.weights = none: phase 1 freezes a backbone of random weights, so only the "
            "head learns, on random features; use pretrained weights (transfer.weights: imagenet") in captured.err


def test_phase_2_keeps_phase_1_weights_unless_it_improves_validation_loss():
    keras, core, bb = keras_ready()
    from stages.core.images.networks import ImageBatches

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (16, 12, 12, 1)).astype(np.uint8)
    train = ImageBatches(x, np.arange(16) % 2, 8, seed=0)
    head = core.Head((12, 12, 1), "pipeline", 12, SimpleNamespace(pooling="avg", dense_units=4, dropout=0.0))
    data = core.Experiment(train, train, None, None, None)
    from stages.core.images.networks import Phase
    for phase1_best, expect_kept in ((0.0, False), (np.inf, True)):  # unbeatable, or beaten by anything
        base = bb.pipeline_backbone(12, 1, [4, 8])
        model, history = core.train_head(base, head, 2, data, Phase("phase 1", 2, 3, 0.05))
        before = [w.copy() for w in model.get_weights()]
        history["val_loss"] = [phase1_best] * len(history["loss"])
        unfrozen, more, kept = core.fine_tune(model, base, 1, data, Phase("phase 2", 2, 2, 0.05), history)
        assert unfrozen == ["block2_conv"] and kept == expect_kept and len(more["loss"]) == 2
        same = all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
        assert same != expect_kept
