"""replydesk core: settings, storage and the command line shared by all packages."""

from replydesk.telemetry import disable_telemetry

disable_telemetry()

__version__ = "0.1.0"
