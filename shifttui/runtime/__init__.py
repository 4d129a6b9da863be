"""One composition root: the store, bus, supervisor, scheduler, notifier and the view of other
processes' shifts, wired once for the app, `run` and `daemon`."""
