"""Local stand-ins for the providers' real APIs (nhn_server.py, fcm_server.py) as fixtures."""

from tests.runtime.messaging.gateways.fcm_server import fcm_cloud  # noqa: F401 - fixture
from tests.runtime.messaging.gateways.nhn_server import nhn_cloud  # noqa: F401 - fixture
