from tests.dashboard.fixtures import seeded_db  # noqa: F401  (shared session fixture)
