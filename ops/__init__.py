"""Running the warehouse month after month: alert evaluation (`evaluate.py`), who hears of which
breaches (`recipients.py`), what was sent and when (`state.py`, a SQLite file beside the warehouse),
how messages go out (`deliver.py`: SMTP and a webhook) and one run of all of it (`run.py`)."""
