"""Dialogs (ModalScreen[T]): each asks one thing and returns a typed value through dismiss()."""
