"""Home Assistant through MQTT discovery: syncd's state as sensors, a "sync now" button.

``entities`` says what is shown (pure), ``snapshot`` reads it from the state, ``companion``
keeps the broker connection in the daemon's resident process. paho-mqtt is imported only
by ``companion``, and only when ``[mqtt]`` is configured.
"""
