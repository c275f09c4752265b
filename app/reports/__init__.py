"""Report figures: one implementation for the managers' digest mails and the report pages.

`figures.figures(session, start, end, …)` computes every figure of a period with SQL aggregates and returns
plain dataclasses; `chart.heatmap_png` draws the hour-by-weekday load as a PNG for mail.
"""
