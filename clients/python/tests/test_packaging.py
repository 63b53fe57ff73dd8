"""`pip install ./clients/python` works offline: the in-tree build backend makes the wheel with
the standard library only; on Debian 12 into a virtual environment that sees Debian's
python3-zmq and python3-msgpack (README), which is where this suite runs."""
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


    def test_the_suite_runs_the_package_installed_in_a_venv(self):
        import assay
        import msgpack
        import zmq
        # the installed copy, in the venv pip put it in, not the source tree
        self.assertNotEqual(sys.prefix, sys.base_prefix)
        self.assertTrue(assay.__file__.startswith(sys.prefix + "/lib/"), assay.__file__)
        self.assertFalse(os.path.realpath(assay.__file__).startswith(os.path.realpath(ROOT)))
        # Debian's packages, seen through --system-site-packages
        self.assertTrue(zmq.__file__.startswith("/usr/lib/python3/dist-packages/"), zmq.__file__)
        self.assertTrue(msgpack.__file__.startswith("/usr/lib/python3/dist-packages/"))


if __name__ == "__main__":
    unittest.main()
