"""``python -m epibridge.federation.schemas``: rewrite the body schemas from the models."""

from epibridge.federation.schemas import write

for path in write():
    print(path.name)
