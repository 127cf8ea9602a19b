"""The read-only page: the plan, the season and the state's health, as HTML."""
