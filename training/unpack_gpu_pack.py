"""Unpacks gpu-pack/ (`npm run pack:gpu`) into a work folder on the GPU machine: the Node binary and the sim
bundle, both xz-compressed to fit the device's carry. Run from the repository root: unpack_gpu_pack.py <work>"""
import lzma
import os
import shutil
import sys

work = sys.argv[1]
for name in ("node", "orbis-sim.mjs"):
    with lzma.open(f"gpu-pack/{name}.xz") as packed, open(os.path.join(work, name), "wb") as out:
        shutil.copyfileobj(packed, out)
os.chmod(os.path.join(work, "node"), 0o755)
