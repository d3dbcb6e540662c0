"""The activity log: who changed what, when."""
