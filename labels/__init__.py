"""Ticket state shown through Gmail labels.

Agents work inside Gmail, so the label list must tell the ticket's truth. `labels.scheme` is the pure part
(which labels a ticket state wants, and the difference to apply); `labels.gmail_labels` is the edge that
creates the labels and pushes each ticket's labels onto its Gmail threads.
"""
