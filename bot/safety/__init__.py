"""Safety features: exit & wipe, automatic wipe, discreet mode, /forget."""
