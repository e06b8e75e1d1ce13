"""The version of cuecoder (read by the package and by model folders it writes)."""

__version__ = "0.1.0"
