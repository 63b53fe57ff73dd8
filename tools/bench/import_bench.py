#!/usr/bin/python3
"""The import rate of QTI content packages: a package of N generated items (default 10,000; each
a copy of one of tests/qti/items with its own identifier, so every interaction type, template
and custom processing appears) with a manifest, imported by `assay import` into a real assayd,
first as a dry run (converted and compiled, nothing stored), then stored.

    /usr/bin/python3 tools/bench/import_bench.py [--items N] [--build DIR] [--source DIR]

--source takes the items from another directory (another checkout's tests/qti/items: the same
package for two builds, to compare them in one run).

Prints items/s for each, as Markdown.
"""
import argparse
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
ITEMS = os.path.join(ROOT, "tests", "qti", "items")


def package(n, source):
    """A zip of n items and an imsmanifest.xml listing them, in memory."""
    texts = [open(os.path.join(source, f)).read() for f in sorted(os.listdir(source))]
    texts = [t for t in texts if "<assessmentTest" not in t]  # the items, not the tests
    buf = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            text = texts[i % len(texts)]
            ident = f"gen-{i:05d}"
            text = re.sub(r'(<assessmentItem[^>]*identifier=")[^"]*"', r'\g<1>' + ident + '"',
                          text, count=1)
            path = f"items/{ident}.xml"
            z.writestr(path, text)
            resources.append(f'<resource identifier="R{i}" type="imsqti_item_xmlv2p1" '
                             f'href="{path}"><file href="{path}"/></resource>')
        z.writestr("imsmanifest.xml",
                   '<?xml version="1.0"?>\n<manifest xmlns="http://www.imsglobal.org/xsd/'
                   'imscp_v1p1" identifier="bench"><organizations/><resources>\n'
                   + "\n".join(resources) + "\n</resources></manifest>\n")
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--source", default=ITEMS)
    a = ap.parse_args()
    assayd = os.path.join(a.build, "engine", "assayd")
    cli = os.path.join(a.build, "clients", "cli", "assay")
    tmp = tempfile.mkdtemp(prefix="assay-import-bench-")
    t0 = time.monotonic()
    data = package(a.items, a.source)
    gen = time.monotonic() - t0
    path = os.path.join(tmp, "bank.zip")
    with open(path, "wb") as f:
        f.write(data)
    eng = subprocess.Popen([assayd, "-d", os.path.join(tmp, "data"), "--max-message", "512M",
                            "--map-size", "1G"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run([cli, "-d", os.path.join(tmp, "data"), "ping"],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        print(f"package: {a.items:,} items, {len(data) / 1e6:.1f} MB zipped "
              f"(generated in {gen:.1f} s)\n")
        print("| run | seconds | items/s |\n|---|---|---|")
        for name, extra in (("dry run (convert + compile)", ["--dry-run"]), ("stored", [])):
            t0 = time.monotonic()
            r = subprocess.run([cli, "-d", os.path.join(tmp, "data"), "--timeout", "600000",
                                "import", path] + extra, capture_output=True, text=True)
            dt = time.monotonic() - t0
            if r.returncode:
                sys.exit(f"import failed: {r.stderr.strip()}")
            print(f"| {name} | {dt:.2f} | {a.items / dt:,.0f} |")
    finally:
        eng.send_signal(signal.SIGTERM)
        eng.wait()
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
