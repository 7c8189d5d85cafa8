#!/bin/sh
# mkca.sh DIR -- create throwaway TLS material for the test IdP (idempotent).
#
#   DIR/ca.pem, DIR/ca-key.pem            test CA
#   DIR/server.pem, DIR/server-key.pem    server cert for SAN DNS:localhost ONLY
#                                         (deliberately no IP:127.0.0.1, so that
#                                         https://127.0.0.1:PORT is a host-name mismatch)
#   DIR/other-ca.pem, DIR/other-ca-key.pem  an unrelated second CA ("wrong CA" tests)
#   DIR/expired.pem, DIR/expired-key.pem  server cert for localhost, signed by the
#                                         CA, valid 2020-01-01 .. 2020-01-02 (expired)
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
DIR=$1
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [ -s "$DIR/ca.pem" ] && [ -s "$DIR/server.pem" ] && [ -s "$DIR/server-key.pem" ] \
   && [ -s "$DIR/other-ca.pem" ] && [ -s "$DIR/expired.pem" ] && [ -s "$DIR/expired-key.pem" ]; then
    exit 0
fi

umask 077
WORK=$(mktemp -d "$DIR/.mkca.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

mkca() { # name cn
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$WORK/$1-key.pem" -out "$WORK/$1.pem" -days 3650 \
        -subj "/O=pam_oauth2 tests/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" >/dev/null 2>&1
}

mkca ca "pam_oauth2 test CA"
mkca other-ca "pam_oauth2 unrelated test CA"

cat > "$WORK/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT

# valid server certificate
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/server-key.pem" -out "$WORK/server.csr" \
    -subj "/O=pam_oauth2 tests/CN=localhost" >/dev/null 2>&1
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca-key.pem" \
    -set_serial 0x$(openssl rand -hex 8) -days 3650 -sha256 \
    -extfile "$WORK/server.ext" -out "$WORK/server.pem" >/dev/null 2>&1

# expired server certificate: OpenSSL 3.0's x509/req have no -not_before/-not_after,
# so use "openssl ca", which accepts explicit -startdate/-enddate.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/expired-key.pem" -out "$WORK/expired.csr" \
    -subj "/O=pam_oauth2 tests/CN=localhost" >/dev/null 2>&1
mkdir "$WORK/db"
: > "$WORK/db/index.txt"
openssl rand -hex 8 > "$WORK/db/serial"
cat > "$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = testca
[ testca ]
dir = $WORK/db
database = $WORK/db/index.txt
serial = $WORK/db/serial
new_certs_dir = $WORK/db
certificate = $WORK/ca.pem
private_key = $WORK/ca-key.pem
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
x509_extensions = server_ext
[ anything ]
organizationName = optional
commonName = supplied
[ server_ext ]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
CNF
openssl ca -batch -config "$WORK/ca.cnf" -notext \
    -startdate 20200101000000Z -enddate 20200102000000Z \
    -in "$WORK/expired.csr" -out "$WORK/expired.pem" >/dev/null 2>&1

for f in ca ca-key server server-key other-ca other-ca-key expired expired-key; do
    case $f in *-key) chmod 0600 "$WORK/$f.pem" ;; *) chmod 0644 "$WORK/$f.pem" ;; esac
done
# certificates before the test in the idempotency check above: expired.pem last
for f in ca-key ca server-key server other-ca-key other-ca expired-key expired; do
    mv -f "$WORK/$f.pem" "$DIR/$f.pem"
done
