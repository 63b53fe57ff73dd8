#!/usr/bin/env python3
"""Embeds a file as a C byte array: embed.py INPUT OUTPUT SYMBOL (assay-http's openapi.json and
the dashboard's files)."""
import sys

src, out, sym = sys.argv[1:4]
data = open(src, "rb").read()
with open(out, "w") as f:
    f.write("/* generated from %s by embed.py: do not edit */\n#include <stddef.h>\n" % src.split("/")[-1])
    f.write("const char %s[] = {\n" % sym)
    for i in range(0, len(data), 16):
        # as char values (signed on x86): bytes above 127 (UTF-8) written negative
        f.write("    " + ", ".join(str(b - 256 if b > 127 else b) for b in data[i:i + 16]) + ",\n")
    f.write("    0};\nconst size_t %s_len = %d;\n" % (sym, len(data)))
