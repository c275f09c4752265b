"""Report figures: one implementation for the managers' digest mails and the report pages.

`figures.figures(session, start, end, …)` computes every figure of a period with SQL aggregates and returns
plain dataclasses; `charts` defines every chart once as data, and `render_chart` draws a chart as SVG (pages)
or PNG (mail) with matplotlib — the one module here that imports it.
"""
