"""What an agent sees of one ticket and of their queues, shared by every agent surface.

`model.load_panel` gathers a ticket's panel (the ticket, its targets, the customer, notes, audit trail,
conversation and the actions the viewer may take) in a constant number of queries; `queues.load_queues` does
the same for an agent's queues. The Gmail add-on renders them as cards, the web panel as HTML.
"""
