"""The Debian package: scripts/package builds it, lintian finds nothing to say, and it
installs into a scratch root whose binary runs.

The package is built from the debug build (`--debug`: only the static link is redone) to
keep this within about a minute; a release package is built the same way. It is installed
with `dpkg --root DIR --unpack`, which puts the files in place and records the package
without running its maintainer scripts, so the host's users and services are untouched.
"""
import gzip
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (dpkg --root, like the other integration tests)")


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    output = tmp_path_factory.mktemp("deb")
    result = subprocess.run([str(ROOT / "scripts" / "package"), "--debug", "--output", str(output)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    path = Path(result.stdout.strip())
    assert path.parent == output and path.name == f"portcullis_0.1.0_{arch()}.deb"
    return path


def arch():
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def scratch(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    (root / "var/lib/dpkg/info").mkdir(parents=True)
    (root / "var/lib/dpkg/updates").mkdir()
    (root / "var/lib/dpkg/status").touch()
    result = subprocess.run(["dpkg", f"--root={root}", "--unpack", str(deb)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_lintian_is_clean(deb):
    result = subprocess.run(["lintian", "--pedantic", "--display-info", "--fail-on", "none", str(deb)],
                            capture_output=True, text=True, timeout=300)
    tags = [line for line in (result.stdout + result.stderr).splitlines()
            if line[:2] in ("E:", "W:", "I:", "P:", "X:", "O:")]
    assert tags == [], "\n".join(tags)


def test_control_names_its_libraries(deb):
    control = subprocess.run(["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: portcullis\nVersion: 0.1.0\n" in control
    depends = next(line for line in control.splitlines() if line.startswith("Depends: "))
    for library in ("libnetfilter-queue1", "libmnl0", "libpcap0.8", "libssl3", "zlib1g", "libc6"):
        assert library in depends, depends
    assert "swift" not in depends, "the Swift runtime is linked in"


def test_installed_files_are_where_the_docs_say(scratch):
    expected = [
        "usr/bin/portcullis",
        "usr/share/man/man1/portcullis.1.gz", "usr/share/man/man1/portcullis-run.1.gz",
        "usr/share/man/man1/portcullis-check.1.gz", "usr/share/man/man1/portcullis-status.1.gz",
        "usr/share/bash-completion/completions/portcullis", "usr/share/zsh/vendor-completions/_portcullis",
        "usr/share/fish/vendor_completions.d/portcullis.fish",
        "lib/systemd/system/portcullis.service", "usr/lib/sysusers.d/portcullis.conf",
        "usr/lib/tmpfiles.d/portcullis.conf",
        # A conffile waits as .dpkg-new until the package is configured (not done here).
        "etc/logrotate.d/portcullis.dpkg-new",
        "usr/share/doc/portcullis/copyright", "usr/share/doc/portcullis/operations.md",
        "usr/share/doc/portcullis/examples/bastion.rules", "usr/share/doc/portcullis/examples/web-server.rules",
    ]
    missing = [path for path in expected if not (scratch / path).is_file()]
    assert missing == []
    unit = (scratch / "lib/systemd/system/portcullis.service").read_text()
    assert "ExecStart=/usr/bin/portcullis run --queue 0 " in unit
    assert "ExecReload=/usr/bin/portcullis check /etc/portcullis/site.rules\nExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "/usr/local" not in unit
    page = gzip.decompress((scratch / "usr/share/man/man1/portcullis-run.1.gz").read_bytes()).decode()
    assert '.Nm portcullis-run\n' in page and '--reject-mark' in page
    completion = (scratch / "usr/share/bash-completion/completions/portcullis").read_text()
    assert not completion.startswith("#!") and "status" in completion


def test_the_installed_binary_runs(scratch):
    binary = scratch / "usr/bin/portcullis"
    assert subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True).stdout.count("RUNPATH") == 0
    env = {"PATH": "/usr/bin:/bin"}  # no toolchain: the Swift runtime is in the binary
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, env=env, timeout=10)
    assert version.returncode == 0 and version.stdout.startswith("0.1.0 ("), version.stdout + version.stderr
    examples = sorted((scratch / "usr/share/doc/portcullis/examples").glob("*.rules"))
    assert len(examples) >= 4
    for rules in examples:
        check = subprocess.run([str(binary), "check", str(rules)], capture_output=True, text=True, env=env, timeout=10)
        assert check.returncode == 0, check.stderr
        assert check.stdout.startswith(f"{rules}: ok: ")
