# Installs the AWS Lambda Runtime Interface Emulator (Apache-2.0, Go module)
# as /opt/logstream/bin/aws-lambda-rie for `scripts/services start lambda-rie`.
# Sourced by scripts/setup (runs as root); idempotent, a second run only checks.
# Go is found or fetched as in setup.d/s3.sh (Debian's golang, then the
# toolchain module golang.org/toolchain when it is too old).
lambda_rie_setup() {
  local version=v0.0.0-20261030222936-bef5c4ba774d bin=/opt/logstream/bin
  if [[ -x "$bin/aws-lambda-rie" ]] && [[ "$(cat "$bin/.aws-lambda-rie-version" 2>/dev/null)" == "$version" ]]; then
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
    echo "setup: Go $have is older than $need; fetching $tc"
    (cd "$gopath" && GOTOOLCHAIN=local "$go" mod download "$tc") || {
      echo "setup: could not fetch the Go toolchain $tc from the module proxy" >&2
      return 1
    }
    go="$GOMODCACHE/golang.org/toolchain@v0.0.1-go${need}.linux-${arch}/bin/go"
    chmod +x "$go" "$(dirname "$go")/../pkg/tool/"*/* 2>/dev/null || true
  fi
  echo "setup: building aws-lambda-rie $version with $("$go" env GOVERSION)"
  $SUDO mkdir -p "$bin"
  if ! (cd "$gopath" && GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$bin" "$go" install \
        "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$version"); then
    echo "setup: building aws-lambda-rie failed" >&2
    rm -rf "$gopath"
    return 1
  fi
  echo "$version" > "$bin/.aws-lambda-rie-version"
  rm -rf "$gopath"
}
lambda_rie_setup

# cfn-lint (PyPI) for the test of the deployment template in deploy/.
lambda_cfn_lint_setup() {
  local venv=/opt/logstream/venv-cfnlint version=1.51.0
  if [[ -x "$venv/bin/cfn-lint" ]] && "$venv/bin/pip" show cfn-lint 2>/dev/null | grep -qx "Version: $version"; then
    return 0
  fi
  venv_pip_install "$venv" "cfn-lint==$version"
}
lambda_cfn_lint_setup
