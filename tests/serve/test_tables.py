"""New rows checked against the training schema (serve/tables.py): extra columns noted, unseen categories
flagged."""


import numpy as np
import pandas as pd
import pytest

from serve.tables import BadInput, check_rows, read_rows


def test_check_rows_notes_extra_columns_and_unseen_categories():
    frame = pd.DataFrame({"age": ["61", " 40 ", ""], "smoker": ["yes", "no", "sometimes"], "id": [1, 2, 3]})
    rows, notes = check_rows(frame, ["age"], {"smoker": ["no", "yes"]}, "new.csv")
    assert rows["age"].tolist()[:2] == [61.0, 40.0] and np.isnan(rows["age"][2])
    assert notes == ["ignored 1 column(s) the model does not use: ['id']",
                     "column 'smoker': ['sometimes'] never occurred in training; the model treats it as unknown"]
    with pytest.raises(BadInput, match=r"^new.csv: row 2, column 'age': inf is not a finite number"):
        check_rows(pd.DataFrame({"age": [1, np.inf], "smoker": ["no", "no"]}), ["age"], {"smoker": ["no"]}, "new.csv")


def test_new_rows_read_dots_and_dashes_alone_as_missing_beside_decimal_commas():
    frame, _ = read_rows("age;dose\n50;.\n40;3,5\n30;\u2014\n".encode(), "new.csv", ["?", "NA", ""])
    assert frame["dose"].tolist()[1] == 3.5 and frame["dose"].isna().tolist() == [True, False, True]
