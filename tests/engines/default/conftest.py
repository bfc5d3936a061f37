from support.paths import DATA
import json

import numpy as np
import pytest



@pytest.fixture(scope="session")
def settings():
    from makeittalk_server.config import Settings

    return Settings()


@pytest.fixture(scope="session")
def engine(settings):
    from makeittalk_server import engines

    e = engines.get("default", settings)
    e.warm()
    return e


@pytest.fixture(scope="session")
def rest():
    """A frontal face (the reference portrait's 68 points), so no detector runs in these tests."""
    local = DATA / "rest_68x2.json"
    return np.array(json.loads(local.read_text()), dtype=np.float64)
