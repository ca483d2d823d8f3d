#!/usr/bin/env python3
"""Takes files out of a wheel (a zip file).

    python3 unwheel.py WHEEL MEMBER OUT_DIR

MEMBER is a file inside the wheel, or a folder (ending in /) whose files are all taken. Each
lands in OUT_DIR (created) under its own base name. Standard library only.
"""

import os
import sys
import zipfile


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    wheel, member, out = argv[1:]
    os.makedirs(out, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        names = [
            n
            for n in z.namelist()
            if not n.endswith("/")
            and (n == member or (member.endswith("/") and n.startswith(member)))
        ]
        if not names:
            print(f"{wheel} has no {member}", file=sys.stderr)
            return 1
        for name in names:
            target = os.path.join(out, os.path.basename(name))
            with z.open(name) as src, open(target + ".tmp", "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            os.replace(target + ".tmp", target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
