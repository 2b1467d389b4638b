"""A local fake of the X API v2 for tests, the demo and the simulator: see server.py for its endpoints."""

from devtools.fake_x.faults import Endpoint, Fault
from devtools.fake_x.server import FakeXApi, RecordedRequest
from devtools.fake_x.state import PostAttempt, RecordedPost

__all__ = ["Endpoint", "FakeXApi", "Fault", "PostAttempt", "RecordedPost", "RecordedRequest"]
