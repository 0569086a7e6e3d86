#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# famfs-certs.sh DIR HOST=ID... | HOST...
#
# Make the TLS material for a famfs cluster (docs/certificates.md):
#   DIR/ca.crt, DIR/ca.key       the cluster CA (made once; reused when present)
#   DIR/HOST.crt, DIR/HOST.key   one certificate per host, CN=HOST, signed by the CA;
#                                with =ID (the host's [cluster] host_id, 0..255) it also
#                                names that id (subjectAltName URI famfs:host:ID), which
#                                famfsd requires of every cluster peer
# Keys are EC P-256. Install ca.crt, HOST.crt and HOST.key on HOST (etc/famfs/tls/);
# keep ca.key off the cluster.
#
# Environment: FAMFS_CA_DAYS (default 3650), FAMFS_CERT_DAYS (default 825),
#              FAMFS_CA_CN (default "famfs cluster CA").
set -euo pipefail

usage() {
	echo "usage: $0 DIR HOST=ID... (HOST alone: a certificate that names no famfs host id)" >&2
	exit 2
}
[ $# -ge 2 ] || usage
command -v openssl >/dev/null || { echo "$0: the openssl command is needed" >&2; exit 1; }

dir=$1
shift
ca_days=${FAMFS_CA_DAYS:-3650}
cert_days=${FAMFS_CERT_DAYS:-825}
ca_cn=${FAMFS_CA_CN:-famfs cluster CA}

mkdir -p "$dir"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -e "$dir/ca.key" ]; then
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$ca_days" -subj "/CN=$ca_cn" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.crt"
	chmod 0644 "$dir/ca.crt"
	echo "created CA $dir/ca.crt"
fi

for arg in "$@"; do
	host=${arg%%=*}
	id=
	[ "$host" != "$arg" ] && id=${arg#*=}
	case $host in
	*/*|"" ) echo "$0: bad host name '$host'" >&2; exit 2 ;;
	esac
	if [ "$host" != "$arg" ] && ! [[ $id =~ ^(0|[1-9][0-9]{0,2})$ && $id -le 255 ]]; then
		echo "$0: bad host id '$id' for $host: a number from 0 to 255 (its [cluster] host_id)" >&2
		exit 2
	fi
	# IP addresses go into the subjectAltName as IP, names as DNS.
	if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then
		san="IP:$host"
	else
		san="DNS:$host"
	fi
	[ -n "$id" ] && san="$san,URI:famfs:host:$id"
	cat > "$tmp/ext.cnf" <<-EXT
		basicConstraints = critical,CA:FALSE
		keyUsage = critical,digitalSignature
		extendedKeyUsage = serverAuth,clientAuth
		subjectAltName = $san
	EXT
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$dir/$host.key" 2>/dev/null
	openssl req -new -key "$dir/$host.key" -subj "/CN=$host" -out "$tmp/$host.csr"
	openssl x509 -req -in "$tmp/$host.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -CAserial "$dir/ca.srl" -sha256 -days "$cert_days" \
		-extfile "$tmp/ext.cnf" -out "$dir/$host.crt" 2>/dev/null
	chmod 0644 "$dir/$host.crt"
	openssl verify -CAfile "$dir/ca.crt" "$dir/$host.crt" >/dev/null
	echo "created $dir/$host.crt (CN=$host${id:+, famfs host id $id}) and $dir/$host.key"
done
