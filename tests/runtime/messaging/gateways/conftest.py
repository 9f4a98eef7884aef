"""Gateway fixtures: local servers speaking each provider's API, and the app for report routes."""

from tests.runtime.messaging.gateways.fcm_server import fcm_cloud  # noqa: F401 - fixture
from tests.runtime.messaging.gateways.nhn_server import nhn_cloud  # noqa: F401 - fixture
from tests.runtime.messaging.gateways.solapi_server import solapi_server  # noqa: F401 - fixture
from tests.server.conftest import anonymous_client, app_context  # noqa: F401 - fixtures
