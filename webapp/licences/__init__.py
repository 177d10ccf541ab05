"""Licences for regulated categories (issue 21): which categories need which licence
(`rules.py`), how a licence's review moves (`state.py`), and what a valid licence allows
(`services.py`): listing, quoting and hearing of demands in those categories."""
