"""The cards' wording (serve/cards.py): what each model predicts, in words."""



from serve.cards import either, image_predicts, table_predicts


def test_what_a_model_predicts_in_words():
    cancer = {"task": "classification", "classes": ["benign", "malignant"], "target": "target",
              "numeric": [f"m{i}" for i in range(30)], "categorical": []}
    assert table_predicts(cancer, "sklearn:breast_cancer") == "benign or malignant tumour, from 30 measurements"
    digits = {**cancer, "classes": [str(d) for d in range(10)], "numeric": [f"p{i}" for i in range(64)]}
    assert table_predicts(digits, "sklearn:digits") == (
        "a handwritten digit, one of 10 classes (0, 1, 2, …, 9), from 64 measurements")
    houses = {"task": "regression", "classes": [], "target": "price", "numeric": ["rooms"], "categorical": ["city"]}
    assert table_predicts(houses, "data/raw/tables/houses.csv") == "the number 'price', from 2 columns"
    digits = [str(d) for d in range(10)]
    assert image_predicts(digits, digits=True, transfer=False) == "a handwritten digit 0–9"
    assert image_predicts(["5", "6", "7", "8", "9"], digits=True, transfer=True) == (
        "the five classes this transfer model knows: 5, 6, 7, 8, 9; any other image is answered with one of them")
    assert either([f"c{i}" for i in range(12)]) == "one of 12 classes (c0, c1, c2, …, c11)"
