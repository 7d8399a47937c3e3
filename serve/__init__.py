"""Use the models the stages saved: `python -m serve.predict` for batch predictions, `python -m serve.app`
(`make serve`) for the web page and the JSON API. Both read models/ and reports/ and never write them."""
