"""Multi-step work a listener starts (role application, channel sync, visibility, export):
the listener parses and answers; a flow decides with the core, writes through storage and
enqueues the outside effects, all in one transaction."""
