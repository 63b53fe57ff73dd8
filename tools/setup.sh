# tools/setup.sh — sourced by tools/test and tools/run: installs the Debian packages assay needs
# (only those missing) and configures a build directory. Not meant to be run on its own.

# What the build and the tests use today; add a package here with the code that needs it.
AS_PACKAGES="build-essential meson ninja-build pkg-config libzmq3-dev libmsgpack-dev liblmdb-dev
libcmocka-dev libjansson-dev libpcre2-dev libxml2-dev libzip-dev libczmq-dev libmicrohttpd-dev wrk curl python3-zmq python3-msgpack python3-fastapi python3-httpx python3-setuptools
clang libclang-rt-14-dev libjwt-dev python3-jwt chromium python3-websocket gdb python3-venv python3-pip
postgresql-15 libpq-dev patroni etcd-server etcd-client"

as_install_packages() {
    local missing=()
    for p in $AS_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    # one line per step on the terminal; apt's own output goes to a log, named when a step fails
    local log="${TMPDIR:-/tmp}/assay-packages.log"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "==> installing ${#missing[@]} Debian package(s): ${missing[*]}"
    : >"$log"
    echo "    apt-get update"
    $sudo apt-get update >>"$log" 2>&1 ||
        { echo "apt-get update failed; its output is in $log" >&2; tail -n 5 "$log" >&2; return 1; }
    echo "    apt-get install (about a minute on a new machine)"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}" \
        >>"$log" 2>&1 ||
        { echo "apt-get install failed; its output is in $log" >&2; tail -n 5 "$log" >&2; return 1; }
    echo "    done (log: $log)"
}

# as_configure DIR [meson options...]: sets up DIR (or reconfigures it) under the source root.
as_configure() {
    local dir="$1"; shift
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@"
    fi
}
