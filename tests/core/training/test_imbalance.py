"""Networks on imbalanced images: class weights that reach the loss, headline metrics that expose a
majority-only network, a decision threshold chosen on validation only, ROC, and the saved decision in serve."""

import numpy as np
import pytest
from PIL import Image

from stages import ingest_images, train_cnn
from stages.common import paths
from stages.common.io import read_json, read_table
from stages.core.classes import positive_class, positive_code
from stages.core.errors import PipelineError
from stages.core.training.imbalance import check_threshold, choose_threshold, class_weights, decide, network_scores
from tests.conftest import run_fails, run_ok, set_params

TINY_CNN = {"cnn__conv__filters": [8], "cnn__conv__dense_units": 16, "cnn__epochs": 15, "cnn__batch_size": 16,
            "cnn__patience": 15}


def write_scans(root, healthy=120, sick=40, seed=0):
    """1:3, as chest X-rays come: noisy 16x16 scans, the sick ones with a brighter square."""
    rng = np.random.default_rng(seed)
    for label, n in (("healthy", healthy), ("sick", sick)):
        (root / label).mkdir(parents=True)
        for i in range(n):
            image = rng.normal(100, 40, (16, 16))
            if label == "sick":
                image[5:11, 5:11] += 80
            Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(root / label / f"{i:03d}.png")


@pytest.fixture
def scans(workdir):
    write_scans(workdir / "data/raw/images/scans")
    set_params(workdir, images__source="data/raw/images/scans", images__image_size=16, images__val_size=0.2,
               images__test_size=0.25, **TINY_CNN)
    run_ok(ingest_images)
    return workdir


def test_balanced_class_weight_finds_the_minority_that_plain_training_ignores(scans, capsys):
    results = {}
    for weighting in ("none", "balanced"):
        set_params(scans, cnn__class_weight=weighting)
        run_ok(train_cnn)
        results[weighting] = read_json(paths.CNN_METRICS)
    out = capsys.readouterr().out
    assert "classes weighted healthy 0.67, sick 2.00" in out  # n / (2 n_class) for 96 healthy, 32 sick
    plain, balanced = results["none"], results["balanced"]
    assert read_json(paths.CNN_LABELS)["positive"] == "sick"  # the rarer training class, as evaluate chooses
    if plain["test_sensitivity"] >= 0.5:  # say so rather than pass quietly if the data got easy
        pytest.fail(f"unweighted training found the minority too: {plain}")
    assert plain["test_sensitivity"] <= 0.2 and plain["test_accuracy"] >= 0.7  # high accuracy, sick never found
    assert plain["test_balanced_accuracy"] <= 0.6  # the headline shows it
    assert balanced["test_sensitivity"] >= 0.5
    assert balanced["test_balanced_accuracy"] > plain["test_balanced_accuracy"]
    roc = read_table(paths.CNN_ROC)
    assert list(roc.columns) == ["fpr", "tpr", "threshold"] and roc["tpr"].iloc[-1] == 1


def test_class_weights_reach_the_loss():
    from stages.core.training.runtime import configure

    configure(0, "off")
    import keras

    from stages.core.images.networks import ImageBatches

    x = np.random.default_rng(0).integers(0, 255, (12, 4, 4, 1)).astype(np.uint8)
    y = np.array([0] * 9 + [1] * 3)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    weights = class_weights(y, ["a", "b"], "balanced", "cnn.class_weight")
    assert weights.tolist() == pytest.approx([12 / 18, 12 / 6])
    p = model.predict(x, verbose=0).astype("float64")
    per_image = -np.log(p[np.arange(12), y])
    weighted = model.evaluate(ImageBatches(x, y, 12, class_weight=weights), verbose=0)
    plain = model.evaluate(ImageBatches(x, y, 12), verbose=0)
    assert weighted == pytest.approx(np.mean(weights[y] * per_image), rel=1e-5)
    assert plain == pytest.approx(per_image.mean(), rel=1e-5)
    assert weighted != pytest.approx(plain, rel=1e-3)


def test_threshold_for_a_sensitivity_is_chosen_on_validation_only():
    y_val = np.array([0] * 6 + [1] * 4)
    p1 = np.array([0.1, 0.2, 0.3, 0.35, 0.5, 0.7, 0.4, 0.6, 0.8, 0.9])  # positive class: code 1
    p_val = np.column_stack([1 - p1, p1])
    cut = choose_threshold({"sensitivity": 0.75}, y_val, p_val, 1, "cnn.threshold")
    assert cut == {"threshold": 0.6, "val_sensitivity": 0.75}  # the highest cut that catches 3 of the 4
    assert choose_threshold({"sensitivity": 1.0}, y_val, p_val, 1, "k")["threshold"] == 0.4
    assert choose_threshold(0.5, y_val, p_val, 1, "k") == {"threshold": 0.5}
    assert choose_threshold({"sensitivity": 0.9}, y_val, p_val, None, "k") == {}  # multiclass: argmax
    assert decide(p_val, 1, 0.6).tolist() == [0, 0, 0, 0, 0, 1, 0, 1, 1, 1]
    assert decide(p_val, 0, 0.6).tolist() == [0, 0, 0, 0, 1, 1, 0, 1, 1, 1]  # the cut is on the positive class
    with pytest.raises(PipelineError, match="the validation split has no images of the positive class"):
        choose_threshold({"sensitivity": 0.9}, np.zeros(10, int), p_val, 1, "cnn.threshold")


def test_headline_metrics_of_a_majority_only_network():
    y = np.array([0] * 9 + [1] * 3)
    p = np.tile([0.8, 0.2], (12, 1))
    metrics = network_scores(y, p.argmax(axis=1), p, ["healthy", "sick"], 1)
    assert metrics["test_accuracy"] == 0.75 and metrics["test_balanced_accuracy"] == 0.5
    assert metrics["test_sensitivity"] == 0 and metrics["test_specificity"] == 1 and metrics["test_roc_auc"] == 0.5
    three = network_scores(np.arange(6) % 3, np.zeros(6, int), np.tile([1.0, 0, 0], (6, 1)), ["a", "b", "c"], None)
    assert set(three) == {"test_accuracy", "test_balanced_accuracy", "test_f1_macro"}


def test_positive_class_defaults_to_the_rarer_and_must_be_a_class():
    y = np.array([0, 0, 0, 1])
    def code(wanted, y, classes):  # as train_cnn and transfer find it: class codes -> names -> the positive's code
        return positive_code(classes, positive_class(wanted, np.take(classes, y), key="images.positive_class"))

    assert code(None, y, ["NORMAL", "PNEUMONIA"]) == 1
    assert code("NORMAL", y, ["NORMAL", "PNEUMONIA"]) == 0
    assert code(None, np.arange(3), ["a", "b", "c"]) is None
    with pytest.raises(PipelineError, match="images.positive_class = 'sick' is not a class; choose one of NORMAL"):
        code("sick", y, ["NORMAL", "PNEUMONIA"])


def test_the_sensitivity_threshold_is_applied_reported_and_served(scans, capsys):
    set_params(scans, cnn__threshold={"sensitivity": 0.9})
    run_ok(train_cnn)
    metrics, labels = read_json(paths.CNN_METRICS), read_json(paths.CNN_LABELS)
    assert metrics["val_sensitivity"] >= 0.9
    assert labels["threshold"] == metrics["threshold"] and labels["positive"] == "sick"
    assert f"at threshold {metrics['threshold']:.3g}" in capsys.readouterr().out
    confusion = read_table(paths.CNN_CONFUSION)
    caught = ((confusion["actual"] == "sick") & (confusion["predicted"] == "sick")).sum()
    assert caught / (confusion["actual"] == "sick").sum() == pytest.approx(metrics["test_sensitivity"])

    from serve.models import load

    model = load("train_cnn")
    p = np.array([1 - metrics["threshold"], metrics["threshold"]])
    assert model.top(p, 2)[0][0] == "sick"  # from the threshold on, as the stage decided
    assert model.top(p - [-1e-6, 1e-6], 2)[0][0] == "healthy"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"cnn__threshold": {"sensitivity": 0.9}, "images__positive_class": None, "three_classes": True},
     "cnn.threshold = {'sensitivity': 0.9} needs two classes, but there are 3"),
    ({"images__positive_class": "ill"}, "images.positive_class = 'ill' is not a class; choose one of healthy, sick"),
    ({"cnn__threshold": 1.5}, "`cnn.threshold` = 1.5: give a cut on the positive class's probability between 0 and 1"),
    ({"cnn__class_weight": "auto"}, "`cnn.class_weight` = 'auto' is not allowed; choose one of none or balanced"),
])
def test_bad_input(workdir, capsys, overrides, message):
    three = overrides.pop("three_classes", False)
    write_scans(workdir / "data/raw/images/scans", healthy=12, sick=12)
    if three:
        write_scans(workdir / "data/raw/images/more", healthy=12, sick=0)
        (workdir / "data/raw/images/more/healthy").rename(workdir / "data/raw/images/scans/other")
    set_params(workdir, images__source="data/raw/images/scans", images__image_size=16, **TINY_CNN)
    run_ok(ingest_images)
    set_params(workdir, **overrides)
    assert message in run_fails(train_cnn, capsys)
    assert not paths.CNN_METRICS.exists() and not paths.CNN_MODEL.exists()


def test_class_weight_needs_every_class_in_training():
    with pytest.raises(PipelineError, match="class 'b' has no training images; add some, or set cnn.class_weight"):
        class_weights(np.zeros(5, int), ["a", "b"], "balanced", "cnn.class_weight")
    with pytest.raises(PipelineError, match=r"transfer.threshold = \{'sensitivity': 0.9\} needs two classes"):
        check_threshold({"sensitivity": 0.9}, 5, "transfer.threshold")
