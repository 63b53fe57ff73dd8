"""`pip install ./clients/python` works offline: the in-tree build backend makes the wheel with
the standard library only."""
import os
import sys
import tempfile
import unittest
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "_build"))
import backend  # noqa: E402


class PackagingTest(unittest.TestCase):
    def test_the_wheel_holds_every_module_and_the_metadata(self):
        self.assertEqual(backend.get_requires_for_build_wheel(), [])
        with tempfile.TemporaryDirectory() as d:
            name = backend.build_wheel(d)
            self.assertEqual(name, "assay-0.1.0-py3-none-any.whl")
            with zipfile.ZipFile(os.path.join(d, name)) as z:
                names = set(z.namelist())
                meta = z.read("assay-0.1.0.dist-info/METADATA").decode()
        modules = {f"assay/{f}" for f in os.listdir(os.path.join(ROOT, "assay"))
                   if f.endswith(".py")}
        self.assertTrue(modules <= names, modules - names)
        self.assertIn("assay/aio.py", names)
        self.assertIn("Requires-Dist: pyzmq>=20", meta)
        self.assertIn("Requires-Dist: msgpack>=1.0", meta)


if __name__ == "__main__":
    unittest.main()
