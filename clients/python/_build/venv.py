"""Makes the virtual environment the Python suite runs in, as the README tells a user to on
Debian 12 (PEP 668: the system's pip refuses to install there): a venv that sees Debian's
python3-zmq and python3-msgpack (--system-site-packages), with this package installed into it by
pip, offline (--no-index). Usage: venv.py SOURCE_DIR VENV_DIR STAMP."""
import os
import shutil
import subprocess
import sys


def main():
    src, venv, stamp = sys.argv[1:4]
    if os.path.exists(venv):
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
    py = os.path.join(venv, "bin", "python")
    out = subprocess.run([py, "-m", "pip", "install", "--no-index", "--quiet",
                          "--disable-pip-version-check", src],
                         capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        sys.exit(out.returncode)
    # the package works from the venv, away from the source tree
    subprocess.run([py, "-c", "import assay, assay.aio, zmq, msgpack"], check=True, cwd="/")
    with open(stamp, "w") as f:
        f.write(py + "\n")


if __name__ == "__main__":
    main()
