#!/usr/bin/env bash
# Install the real peers the test suite starts (all on 127.0.0.1). Idempotent; safe to rerun.
# Debian packages need root (or sudo); npm packages are pinned by their lockfiles.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

# Debian packages: binary to look for -> package that provides it.
declare -A DEB=(
  [redis-server]=redis-server   # tests/peers/redis.py: shared discovery/JWKS cache (RedisCache)
  # tests/peers/glewlwyd.py: OIDC OP with a TOTP scheme; its DB comes from the package's
  # /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz. No service is started (our own config).
  [glewlwyd]=glewlwyd
)
# PostgreSQL (JIT store tests, tests/peers/postgres.py): initdb, postgres, pg_isready and createdb live
# under /usr/lib/postgresql/<v>/bin on Debian (not on PATH); the fixture looks there too. As root the
# fixture runs the server as the unprivileged `postgres` user (created by the package) via setpriv.
need_pg=0
for b in initdb postgres pg_isready createdb; do
  command -v "$b" >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/"$b" >/dev/null 2>&1 || need_pg=1
done

missing=()
for bin in "${!DEB[@]}"; do command -v "$bin" >/dev/null 2>&1 || missing+=("${DEB[$bin]}"); done
[ "$need_pg" = 1 ] && missing+=(postgresql)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; fi
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# LemonLDAP::NG portal: the second real OpenID Provider of the OIDC engine tests (tests/peers/lemonldap.py),
# served by plackup/Starman. --no-install-recommends alone breaks the portal at init (captcha/ImageMagick,
# String::Random), hence the explicit list (shared/reference/local-peers.md §4a).
LLNG_PKGS=(liblemonldap-ng-portal-perl liblemonldap-ng-manager-perl lemonldap-ng-handler libplack-perl starman
  libgd-securityimage-perl libgd-perl libimage-magick-perl libstring-random-perl fonts-urw-base35
  libcrypt-openssl-bignum-perl libconvert-base32-perl libio-string-perl libipc-run-perl libmime-tools-perl
  libio-socket-timeout-perl libunicode-string-perl libapache-session-browseable-perl libemail-sender-perl
  libcookie-baker-xs-perl libhttp-parser-xs-perl liblwp-protocol-https-perl)
if ! command -v plackup >/dev/null 2>&1 || ! perl -MLemonldap::NG::Portal -MStarman -e1 >/dev/null 2>&1 \
   || [ ! -f /var/lib/lemonldap-ng/conf/lmConf-1.json ]; then
  echo "installing LemonLDAP::NG (Debian)"
  LLNG_SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then LLNG_SUDO="sudo"; else
      echo "error: need root or sudo to install LemonLDAP::NG" >&2; exit 1; fi
  fi
  $LLNG_SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $LLNG_SUDO apt-get install -y -qq --no-install-recommends "${LLNG_PKGS[@]}" >/dev/null
fi

# SAML 2.0 IdPs (tests/peers/lemonldap_saml.py, tests/peers/simplesamlphp.py; shared/reference/local-peers.md §10):
# LemonLDAP::NG's SAML issuer needs Lasso and XML::Simple (a dependency of nothing, yet required); SimpleSAMLphp
# runs under `php -S` and needs php-xml (the DOM extension). simplesamlphp depends on `apache2 | httpd`, so
# apache2 comes along: it is stopped and disabled right away so it never holds port 80.
SAML_PKGS=()
perl -MLasso -MXML::Simple -e1 >/dev/null 2>&1 || SAML_PKGS+=(liblasso-perl libxml-simple-perl)
if [ ! -d /usr/share/simplesamlphp/www ] || ! php -m 2>/dev/null | grep -qx dom; then
  SAML_PKGS+=(simplesamlphp php-xml php-cli)
fi
if [ ${#SAML_PKGS[@]} -gt 0 ]; then
  echo "installing SAML IdPs (Debian): ${SAML_PKGS[*]}"
  SAML_SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SAML_SUDO="sudo"; else
      echo "error: need root or sudo to install ${SAML_PKGS[*]}" >&2; exit 1; fi
  fi
  $SAML_SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SAML_SUDO apt-get install -y -qq "${SAML_PKGS[@]}" >/dev/null
  if [ -d /run/systemd/system ] && systemctl list-unit-files apache2.service >/dev/null 2>&1; then
    $SAML_SUDO systemctl disable --now apache2 >/dev/null 2>&1 || true
  fi
fi

# Headless Chromium and its WebDriver (tests/sandbox/test_browser.py drives the sandbox's login page and
# `idpbridge login --method oidc` through a real browser, with Selenium from the `test` extra). Debian's
# packages only: no browser download step. Binaries: /usr/bin/chromium, /usr/bin/chromedriver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing Chromium and ChromeDriver (Debian)"
  CR_SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then CR_SUDO="sudo"; else
      echo "error: need root or sudo to install chromium chromium-driver" >&2; exit 1; fi
  fi
  $CR_SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $CR_SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi

# npm peers (pinned by package-lock.json). oidc-provider 9 needs Node.js >= 20.18 (URL.parse, crypto.hash);
# Debian 12's own nodejs is 18, so a missing or older Node is an error with instructions, not an apt step.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=18)?0:1)' \
     >/dev/null 2>&1; then
  echo "error: Node.js >= 20.18 with npm is required for the oidc-provider peer (found: $(node --version 2>&1))" >&2
  exit 1
fi
# npm peers (pinned by package-lock.json).
for dir in "$HERE"/*/; do
  if [ -f "$dir/package-lock.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      (cd "$dir" && npm ci --no-fund --no-audit --loglevel=error)
    fi
  fi
done
echo "peers installed"
