"""Multi-step flows started from a screen or the palette: dialogs chained by callbacks, writes in workers."""
