// SPDX-License-Identifier: Apache-2.0
/*
 * famfs RPC over TCP with mutual TLS 1.3: the SSL_CTX (our certificate and
 * key, the cluster CA; the peer must present a certificate the CA signed),
 * TLS listeners and connections, and the peer's identity: its name (subject
 * CN) and the famfs host id it names (a subjectAltName URI "famfs:host:N",
 * docs/certificates.md). Every TLS peer that passes verification is a
 * cluster member: admin. Which host it may speak for is its certificate's
 * host id, checked by famfsd against every peer message.
 */
#include "rpc_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

/*
 * SSL_get_error() needs an empty error queue before the I/O call. It is
 * almost always empty already: ERR_clear_error() resets all of its slots
 * (~800 instructions in OpenSSL 3, before every SSL_read and SSL_write),
 * ERR_peek_error() only looks.
 */
static void err_queue_empty(void)
{
	if (ERR_peek_error())
		ERR_clear_error();
}

static void ssl_errors(char *buf, size_t len, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();
	char reason[200] = "unknown error";

	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(buf, len, "%s%s%s: %s", what, file ? " " : "", file ? file : "", reason);
}

SSL_CTX *fam_rpc_tls_ctx(const char *cert, const char *key, const char *ca, bool server,
			 char *err, size_t errlen)
{
	char dummy[8];
	SSL_CTX *ctx;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!ca || (server && (!cert || !key)) || (!cert != !key)) {
		snprintf(err, errlen, "TLS needs a certificate, its key and the cluster CA");
		return NULL;
	}
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx) {
		ssl_errors(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		ssl_errors(err, errlen, "TLS 1.3 not available", NULL);
		goto fail;
	}
	if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_errors(err, errlen, "cannot load certificate", cert);
		goto fail;
	}
	if (key && SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_errors(err, errlen, "cannot load private key", key);
		goto fail;
	}
	if (key && SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(err, errlen, "private key does not match certificate", cert);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ssl_errors(err, errlen, "cannot load CA certificate", ca);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	/* A peer closing without close_notify is an ordinary EOF: frames carry their length. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/*
	 * No read-ahead here (SSL_CTX_set_read_ahead): libevent 2.1's OpenSSL
	 * bufferevent reads on while SSL_pending() says a record has bytes left,
	 * which does not count whole records already read ahead, so calls
	 * stalled until their deadline with nothing more arriving (bench-rpc
	 * over TLS, 64 in flight). Once the handshake is done, rpc.c reads
	 * itself (rpc_tls_read, below), with read-ahead.
	 */
	if (server) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);

		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"famfs", 5);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct bufferevent *rpc_tls_bev(struct fam_rpc *r, int fd, SSL_CTX *ctx, bool server)
{
	struct bufferevent *bev;
	char why[256];
	int one = 1;
	SSL *ssl;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ssl = SSL_new(ctx);
	if (!ssl) {
		ssl_errors(why, sizeof(why), "SSL_new", NULL);
		rpc_log(r, LOG_ERR, "%s", why);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(rpc_base(r), fd, ssl,
					     server ? BUFFEREVENT_SSL_ACCEPTING :
						      BUFFEREVENT_SSL_CONNECTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		rpc_log(r, LOG_ERR, "cannot create a TLS bufferevent");
		return NULL;
	}
	/* A peer closing without close_notify is an ordinary EOF, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

int fam_rpc_host_uri_id(const char *uri, size_t len)
{
	size_t plen = strlen(FAM_RPC_HOST_URI_PREFIX), i;
	int v = 0;

	if (len <= plen || len > plen + 3 || memcmp(uri, FAM_RPC_HOST_URI_PREFIX, plen))
		return -1;
	for (i = plen; i < len; i++) {
		if (uri[i] < '0' || uri[i] > '9')
			return -1;
		v = v * 10 + (uri[i] - '0');
	}
	if ((uri[plen] == '0' && len > plen + 1) || v > 255)
		return -1;	/* no leading zeros: one spelling per id */
	return v;
}

/*
 * The host id the certificate names: its subjectAltName URIs "famfs:host:N".
 * -1 when there is none, or when they name different hosts (ambiguous).
 */
static int cert_host_id(X509 *cert)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int id = -1;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		int v;

		if (g->type != GEN_URI)
			continue;
		v = fam_rpc_host_uri_id((const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
					(size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier));
		if (v < 0)
			continue;
		if (id >= 0 && v != id) {
			id = -1;
			break;
		}
		id = v;
	}
	GENERAL_NAMES_free(names);
	return id;
}

int rpc_tls_peer(struct bufferevent *bev, struct fam_rpc_peer *peer, char *err, size_t errlen)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	long v;
	char cn[sizeof(peer->name)];

	if (!cert) {
		snprintf(err, errlen, "no certificate");
		return -EACCES;
	}
	v = SSL_get_verify_result(ssl);
	if (v != X509_V_OK) {
		snprintf(err, errlen, "certificate not trusted: %s",
			 X509_verify_cert_error_string(v));
		return -EACCES;
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
				      sizeof(cn)) <= 0 || !cn[0]) {
		snprintf(err, errlen, "certificate has no subject CN");
		return -EACCES;
	}
	memset(peer, 0, sizeof(*peer));
	peer->uid = (uid_t)-1;
	peer->gid = (gid_t)-1;
	peer->admin = true;
	peer->host_id = cert_host_id(cert);
	snprintf(peer->name, sizeof(peer->name), "%s", cn);
	return 0;
}

void rpc_tls_error(struct bufferevent *bev, char *buf, size_t len)
{
	size_t off = 0;
	unsigned long e;
	int serr = EVUTIL_SOCKET_ERROR();

	buf[0] = 0;
	while ((e = bufferevent_get_openssl_error(bev)) && off + 2 < len) {
		char one[200];

		if (!ERR_GET_LIB(e))
			continue;	/* libevent's own marker, says nothing */

		ERR_error_string_n(e, one, sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "; " : "", one);
	}
	if (!off)
		snprintf(buf, len, "%s", serr ? evutil_socket_error_to_string(serr) :
			 "connection closed");
}

/* "[::1]:7070", "127.0.0.1:7070", or "host:7070" (resolved, blocking). */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, int *len)
{
	struct evutil_addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char host[256];
	const char *colon;

	*len = (int)sizeof(*ss);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)ss, len) == 0)
		return 0;
	colon = strrchr(addr, ':');
	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	if (evutil_getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
		return -EHOSTUNREACH;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = (int)res->ai_addrlen;
	evutil_freeaddrinfo(res);
	return 0;
}

int fam_rpc_tcp_listen(const char *addr)
{
	struct sockaddr_storage ss;
	int len, fd, ret, one = 1;

	ret = parse_addr(addr, &ss, &len);
	if (ret < 0)
		return ret;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0 || listen(fd, SOMAXCONN) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int fam_rpc_listen_tls(struct fam_rpc *r, const char *addr, SSL_CTX *ctx)
{
	int fd, ret;

	if (!ctx)
		return -EINVAL;
	fd = fam_rpc_tcp_listen(addr);
	if (fd < 0)
		return fd;
	ret = rpc_listener_add(r, fd, true, ctx);
	if (ret < 0)
		close(fd);
	return ret;
}

struct fam_rpc_conn *fam_rpc_connect_tls(struct fam_rpc *r, const char *addr, SSL_CTX *ctx,
					 int *err)
{
	struct sockaddr_storage ss;
	struct fam_rpc_conn *c;
	struct bufferevent *bev;
	int len, fd, e;

	e = ctx ? parse_addr(addr, &ss, &len) : -EINVAL;
	if (e < 0)
		goto fail;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		e = -errno;
		goto fail;
	}
	/* The TLS handshake waits for the TCP connection; errors show up as UNAVAILABLE. */
	if (connect(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0 && errno != EINPROGRESS) {
		e = -errno;
		close(fd);
		goto fail;
	}
	bev = rpc_tls_bev(r, fd, ctx, false);
	if (!bev) {
		close(fd);
		e = -ENOMEM;
		goto fail;
	}
	c = rpc_conn_client(r, bev, true, addr);
	if (!c) {
		bufferevent_free(bev);
		e = -ENOMEM;
		goto fail;
	}
	if (err)
		*err = 0;
	return c;
fail:
	if (err)
		*err = e;
	return NULL;
}

/*
 * Write p straight through the connection's SSL when nothing is queued in
 * the bufferevent, instead of arming its write event (two epoll_ctl and a
 * loop iteration per write): in pieces no larger than what the bufferevent
 * writes at once, so that when one does not go through (the socket is
 * full) the caller can queue the rest and libevent retries that piece with
 * at least as many bytes, as OpenSSL requires. Returns the bytes written.
 */
#define TLS_DIRECT_PIECE 16384

size_t rpc_tls_write_direct(struct bufferevent *bev, const uint8_t *p, size_t n)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	size_t done = 0;

	while (ssl && done < n) {
		int piece = (int)(n - done < TLS_DIRECT_PIECE ? n - done : TLS_DIRECT_PIECE);
		int r;

		err_queue_empty();
		r = SSL_write(ssl, p + done, piece);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	return done;
}

int rpc_tls_read_ahead(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	if (!ssl)
		return -EIO;
	SSL_set_read_ahead(ssl, 1);
	return 0;
}

bool rpc_tls_has_pending(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	return ssl && SSL_has_pending(ssl);
}

/*
 * SSL_read until OpenSSL holds nothing more read ahead: whole records left
 * in its buffer are taken now (the socket may not wake us for them), and a
 * partial one waits for the rest to arrive (the socket will). So one read(2)
 * per wakeup, not a header and a body per record.
 */
int rpc_tls_read(struct bufferevent *bev, struct evbuffer *in)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	int total = 0;

	if (!ssl)
		return -EIO;
	do {
		struct evbuffer_iovec v;
		int r, e;

		if (evbuffer_reserve_space(in, 16384, &v, 1) < 1)
			return total ? total : -ENOMEM;
		err_queue_empty();
		r = SSL_read(ssl, v.iov_base, (int)(v.iov_len < INT32_MAX ? v.iov_len : INT32_MAX));
		if (r > 0) {
			v.iov_len = (size_t)r;
			evbuffer_commit_space(in, &v, 1);
			total += r;
			continue;
		}
		evbuffer_commit_space(in, &v, 0);
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		if (total)
			return total;	/* the end (or error) comes again on the next read */
		if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !ERR_peek_error() &&
						  (r == 0 || errno == 0 || errno == ECONNRESET)))
			return RPC_TLS_EOF;
		return -EIO;
	} while (SSL_has_pending(ssl));
	return total;
}
