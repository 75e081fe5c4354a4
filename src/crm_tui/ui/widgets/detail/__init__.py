"""The customer detail screen's parts: the header, one widget per tab and their add/edit forms."""
