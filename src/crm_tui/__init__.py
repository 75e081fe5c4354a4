"""crm-tui: a keyboard-first customer management app for the terminal."""

__version__ = "0.1.0"
