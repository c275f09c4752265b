"""The response-time rules: timers planned by the workflow, fired exactly once by the scheduler.

`rules` (pure plan of a ticket's timers), `calendar` (business-hours arithmetic), `timers` (the rows kept in
step with each ticket), `engine` (the sweep that fires due timers), `runner` (APScheduler), `cli`.
"""
