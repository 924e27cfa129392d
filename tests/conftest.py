import os

import pytest
from corpus_texts import EXPECTED_DIR, SEEDS_DIR, load_seeds
from hypothesis import settings

settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def seeds() -> dict[str, tuple[bytes, str]]:
    """Seed name (file stem) → (seed file bytes, expected normalized text)."""
    found = load_seeds()
    assert found, f"no seeds in {SEEDS_DIR}"
    assert all((EXPECTED_DIR / f"{name}.txt").is_file() for name in found)
    return found
