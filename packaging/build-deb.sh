#!/usr/bin/env bash
# Builds the Debian package: the release binary, the man page and completions generated from
# that binary's own CLI definition (so they never drift from it), then `cargo deb`.
# Needs cargo-deb (`cargo install cargo-deb --locked`). Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked >&2
bin=target/release/trainsaver
gen=target/packaging
rm -rf "$gen"
mkdir -p "$gen"
"$bin" man | gzip -9n > "$gen/trainsaver.1.gz"
"$bin" completions bash > "$gen/trainsaver.bash"
"$bin" completions zsh > "$gen/_trainsaver"
"$bin" completions fish > "$gen/trainsaver.fish"
# The user unit of a cargo install runs ~/.cargo/bin/trainsaver; the package's runs /usr/bin's.
sed 's#%h/.cargo/bin/trainsaver#/usr/bin/trainsaver#' contrib/systemd/trainsaver.service \
  > "$gen/trainsaver.service"
cargo deb --no-build -p trainsaver >&2
ls -t target/debian/trainsaver_*.deb | head -n 1
