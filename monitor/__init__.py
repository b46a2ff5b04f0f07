"""policy-monitor: how the Dutch government's stated positions change from letter to letter."""

__version__ = "0.1.0"
