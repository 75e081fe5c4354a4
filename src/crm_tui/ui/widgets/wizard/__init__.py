"""The customer wizard's parts: fields, steps, child forms, the review and the save plan."""
