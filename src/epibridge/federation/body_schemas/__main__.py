"""``python -m epibridge.federation.body_schemas``: rewrite the body schemas from the models."""

from epibridge.federation.body_schemas import write

for path in write():
    print(path.name)
