"""Border crossings between member states: registry, status by side, green and fast lanes."""
