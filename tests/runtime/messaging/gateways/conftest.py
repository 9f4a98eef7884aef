
from tests.runtime.messaging.gateways.nhn_server import nhn_cloud  # noqa: F401 - fixture
