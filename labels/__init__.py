"""Ticket state shown — and changed — through Gmail labels, both ways.

Agents work inside Gmail, so the label list must tell the ticket's truth, and what they do with labels must
change the ticket. Pure parts, tested alone: `labels.scheme` (which labels a ticket state wants, and the
difference to apply) and `labels.changes` (what label changes read from Gmail's history ask of a ticket). The
edges: `labels.gmail_labels` creates the labels and pushes each ticket's labels onto its threads;
`labels.from_gmail` applies agents' label changes through the workflow; `labels.setup_labels` makes the label
list follow the setup; `labels.reconcile` (with `labels.gmail_batch`) rewrites every ticket's labels;
`labels.cli` is `linedesk labels reconcile`.
"""
