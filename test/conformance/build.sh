#!/bin/sh
# Builds the Go conformance programs (hookbridge/conformance/cmd/*) offline, in
# GOPATH mode, against Debian's packaged Go sources. Binaries land in
# <repo>/.cache/conformance/bin/<name>; one line is printed per binary.
# Usage: build.sh [cmd-name...]   (no names: vet and build every cmd/ directory)
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
repo=$(CDPATH= cd -- "$here/../.." && pwd)
gocode=/usr/share/gocode/src

need_install=0
command -v go >/dev/null 2>&1 || need_install=1
for d in github.com/hashicorp/go-plugin github.com/hashicorp/yamux google.golang.org/grpc golang.org/x/net; do
	[ -d "$gocode/$d" ] || need_install=1
done
if [ "$need_install" = 1 ]; then
	# go-plugin's Debian package does not depend on grpc / x/net, yet its sources import them.
	sudo=
	if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	fi
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		golang-go golang-github-hashicorp-go-plugin-dev golang-github-hashicorp-yamux-dev \
		golang-google-grpc-dev golang-golang-x-net-dev >/dev/null
fi

GO111MODULE=off
GOPATH="$here/gopath:/usr/share/gocode"
GOPROXY=off
GOFLAGS=
GOCACHE="$repo/.cache/go-build"
export GO111MODULE GOPATH GOPROXY GOFLAGS GOCACHE

bin="$repo/.cache/conformance/bin"
mkdir -p "$bin" "$GOCACHE"

# Package patterns are resolved against GOPATH, so the cwd does not matter; cd
# anyway so that a go.mod in an enclosing directory can never switch modes.
cd "$here/gopath/src"

if [ "$#" -eq 0 ]; then
	for dir in hookbridge/conformance/cmd/*/; do
		ls "$dir"*.go >/dev/null 2>&1 && set -- "$@" "$(basename "$dir")"
	done
	go vet hookbridge/conformance/...
else
	pkgs=
	for name in "$@"; do
		if [ ! -d "hookbridge/conformance/cmd/$name" ]; then
			echo "build.sh: no such program: $name" >&2
			exit 2
		fi
		pkgs="$pkgs hookbridge/conformance/cmd/$name"
	done
	# shellcheck disable=SC2086
	go vet hookbridge/conformance/model hookbridge/conformance/plugin $pkgs
fi

for name in "$@"; do
	go build -o "$bin/$name" "hookbridge/conformance/cmd/$name"
	echo "built $bin/$name"
done
