"""The live ICS feed: the cycle writes the bodies into the state dir, the daemon serves them."""
