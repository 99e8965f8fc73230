import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """The shim keeps the service's profiles and its signed token per hub process: each test starts without them."""
    from oarspawner import spawner, tokens
    spawner._PROFILES.clear()
    tokens._SIGNED.clear()
    yield
