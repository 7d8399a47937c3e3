"""The delimiter a CSV's first lines show (stages/core/tabular/reading.py)."""

from stages.core.tabular.reading import detect_delimiter


def test_a_headerless_semicolon_file_with_decimal_commas_and_padded_question_marks_is_semicolon():
    rows = [f"K{100 + i};2021-0{1 + i % 9}-01;{30 + i};{1000 + i},5{i % 10};seoul;{i % 2}" for i in range(40)]
    rows[7] = "K107;2021-08-01;37; ?;seoul;1"  # no comma on this line: the Sniffer still took ','
    assert detect_delimiter("\n".join(rows) + "\n") == ";"
    every_line = [row for row in rows if "?" not in row]  # a comma on every line: 2 fields against 6
    assert detect_delimiter("\n".join(every_line) + "\n") == ";"


def test_a_comma_file_with_a_semicolon_in_some_text_stays_comma():
    rows = ["id,name,score"] + [f"{i},item {i}{'; extra' if i % 3 == 0 else ''},{i / 7:.3f}" for i in range(30)]
    assert detect_delimiter("\n".join(rows) + "\n") == ","
    tabbed = ["a\tb\tc"] + [f"{i}\t{i},5\tx" for i in range(20)]
    assert detect_delimiter("\n".join(tabbed) + "\n") == "\t"
