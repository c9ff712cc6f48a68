# Installs the S3-compatible server for `scripts/services start s3`:
# versitygw (Apache-2.0, Go module) into /opt/logstream/bin. Sourced by
# scripts/setup (runs as root); idempotent, a second run only checks.
#
# versitygw needs a newer Go than Debian 12's golang (1.19). Without a Go of
# at least the version its go.mod asks for, the matching toolchain is fetched
# as the Go module golang.org/toolchain (with any Go, even 1.19: `go mod
# download` of a plain module) and used from the module cache.
s3_setup() {
  local version=v1.8.0 bin=/opt/logstream/bin
  if [[ -x "$bin/versitygw" ]] && [[ "$(cat "$bin/.versitygw-version" 2>/dev/null)" == "$version" ]]; then
    return 0
  fi
  local SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  local go
  go="$(command -v go || true)"
  [[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  if [[ -z "$go" ]]; then
    echo "setup: installing Debian's golang (to fetch a current Go toolchain)"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends golang-go
    go="$(command -v go)"
  fi
  local need=1.25.0 have
  have="$("$go" env GOVERSION | sed 's/^go//')"
  local gopath; gopath="$(mktemp -d /tmp/logstream-gobuild.XXXXXX)"
  export GOPATH="$gopath" GOMODCACHE="$gopath/mod" GOCACHE="$gopath/cache" GOFLAGS=-modcacherw
  if [[ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]]; then
    local arch; arch="$("$go" env GOARCH)"
    local tc="golang.org/toolchain@v0.0.1-go${need}.linux-${arch}"
    echo "setup: Go $have is older than the $need versitygw needs; fetching $tc"
    (cd "$gopath" && GOTOOLCHAIN=local "$go" mod download "$tc") || {
      echo "setup: could not fetch the Go toolchain $tc from the module proxy" >&2
      return 1
    }
    go="$GOMODCACHE/golang.org/toolchain@v0.0.1-go${need}.linux-${arch}/bin/go"
    chmod +x "$go" "$(dirname "$go")/../pkg/tool/"*/* 2>/dev/null || true
  fi
  echo "setup: building versitygw $version with $("$go" env GOVERSION) (takes a few minutes)"
  $SUDO mkdir -p "$bin"
  if ! (cd "$gopath" && GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$bin" "$go" install \
        "github.com/versity/versitygw/cmd/versitygw@$version"); then
    echo "setup: building versitygw failed" >&2
    rm -rf "$gopath"
    return 1
  fi
  echo "$version" > "$bin/.versitygw-version"
  rm -rf "$gopath"
}
s3_setup
