"""Sources: where syncd learns what the athlete ran, plans to run, lifted and has on."""
