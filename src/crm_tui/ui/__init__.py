"""The Textual user interface. Calls services only, in workers."""
