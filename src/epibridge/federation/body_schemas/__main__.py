"""``python -m epibridge.federation.body_schemas``: rewrite the body schemas from the models."""

from epibridge.federation.body_schemas import write


def main() -> None:
    for path in write():
        print(path.name)


# Guarded: the principals scan imports every module, and importing must not rewrite files.
if __name__ == "__main__":
    main()
