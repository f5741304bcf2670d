# SPDX-License-Identifier: MIT
# Sourced by the install tests: install_build MESON BUILD_ROOT installs the
# build into a DESTDIR of its own, $dest, under $tmp (removed at exit).
install_build() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dest=$tmp/dest
	"$1" install -C "$2" --no-rebuild --quiet --destdir "$dest" \
		>"$tmp/install.log" 2>&1 || {
		cat "$tmp/install.log"
		echo "meson install failed"
		exit 1
	}
}
