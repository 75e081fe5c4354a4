"""The dashboard's parts: the KPI strip, a panel per figure and how each figure is drawn."""
