"""reviewtool: configuration-aware review of Linux kernel patches.

The stages follow the data flow (see README): mail -> patch -> tree -> variants -> model ->
checks -> findings -> report; ``cli`` is the only module that wires them together.
"""

__version__ = "0.1.0"
