"""Anonymous usage figures: counts per day, channel, language and menu item, nothing else."""

from hotline.metrics.counter import Count, Metrics

__all__ = ["Count", "Metrics"]
