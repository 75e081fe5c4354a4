"""The Textual user interface. Calls services only, in workers."""

import os

# Textual paints at most TEXTUAL_FPS frames a second (60 by default), so a
# list that arrives just after a frame waits up to 17 ms for the next one.
# At 120 the wait halves (keystroke to painted list p50 40 -> 31 ms at a
# million customers); a frame here costs a few milliseconds. It is read once,
# when Textual is first imported, which this package does before any screen.
os.environ.setdefault("TEXTUAL_FPS", "120")
