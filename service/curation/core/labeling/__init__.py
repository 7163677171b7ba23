"""Labeling functions and label models."""
