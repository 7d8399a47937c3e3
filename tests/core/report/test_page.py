"""The run's page (stages/core/report/page.py): self-contained HTML, everything the metrics say escaped."""

from stages.core.report.page import Figure, Section, page


def test_the_page_escapes_text_links_figures_and_formats_table_numbers():
    sections = [Section("compare_models", "Comparing <models>", "knn & svm", [Figure("a/b.png", "Fold scores.")],
                        [{"model": "knn", "accuracy_mean": 0.912345}])]
    html = page("Run summary: a<b", ["line one", "x < y"], sections)
    assert "<title>Run summary: a&lt;b</title>" in html and "<pre>line one\nx &lt; y</pre>" in html
    assert '<a href="#compare_models">Comparing &lt;models&gt;</a>' in html and "<p>knn &amp; svm</p>" in html
    assert '<img src="a/b.png" alt="Fold scores.">' in html and "<figcaption>Fold scores.</figcaption>" in html
    assert '<td class="n">0.9123</td>' in html and "<td>knn</td>" in html
    assert "http" not in html.replace("http-equiv", "")  # nothing fetched from a network


def test_a_wide_table_scrolls_inside_its_own_box_and_hostile_labels_stay_text():
    row = {f"metric_{i}_mean": 0.5 for i in range(14)} | {"model": "<script>alert(1)</script>"}
    html = page("Run", ["<img src=x onerror=alert(1)>"], [Section("compare_models", "Comparing", "", [], [row])])
    assert '<div class="wide"><table>' in html and ".wide{overflow-x:auto;max-width:100%" in html
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
