/* xfrm_noop_preload.c: LD_PRELOAD library that lets strongSwan charon (kernel-netlink) and
 * libreswan pluto finish Quick Mode on a kernel that has XFRM netlink but no ESP
 * (XFRM_MSG_NEWSA fails with EPROTONOSUPPORT there; see shared docs lab.md).
 *
 * It wraps send, sendto, sendmsg, writev and write. When the file descriptor is an
 * AF_NETLINK/NETLINK_XFRM socket, every XFRM_MSG_NEWSA or XFRM_MSG_UPDSA message in the
 * buffer is rewritten into an NLMSG_NOOP with NLM_F_REQUEST|NLM_F_ACK: the kernel answers it
 * with an NLMSG_ERROR carrying error 0 and the same sequence number, so the daemon believes
 * the SA was installed. Policies, ALLOCSPI and everything else go through unchanged.
 *
 * Each rewritten SA is appended as one line to the file named by $XFRM_NOOP_LOG (if set):
 *   SA op=NEWSA proto=esp spi=c1a2b3c4 src=10.99.1.1 dst=10.99.1.2 mode=tunnel reqid=1
 *      enc=cbc(aes) enckey=<hex> auth=hmac(sha1) authkey=<hex> trunc=96
 * (one line; optional fields: aead=/aeadkey=/icv=, encap=<sport>:<dport>). This gives an
 * independent record of the keys the peer derived, to compare with our daemon's key log.
 * $XFRM_NOOP_DEBUG=1 additionally prints a line to stderr per rewritten message.
 *
 * An UPDSA updates the larval SA that XFRM_MSG_ALLOCSPI created; since the update never reaches
 * the kernel, that larval SA would expire after a few seconds and the kernel's XFRM_MSG_EXPIRE
 * makes charon delete the CHILD SA. So for each UPDSA the shim deletes the larval SA
 * (XFRM_MSG_DELSA on a private netlink socket of its own, errors ignored) before sending the
 * NOOP. $XFRM_NOOP_KEEP_LARVAL=1 turns that off.
 *
 * Owns nothing but the copies of the outgoing buffers it rewrites. Thread-safe: no
 * shared mutable state except the lazily resolved libc symbols (idempotent).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

static send_fn real_send;
static sendto_fn real_sendto;
static sendmsg_fn real_sendmsg;
static write_fn real_write;
static writev_fn real_writev;

static void resolve(void)
{
	if (!real_send)
		real_send = (send_fn)dlsym(RTLD_NEXT, "send");
	if (!real_sendto)
		real_sendto = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
	if (!real_sendmsg)
		real_sendmsg = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
	if (!real_write)
		real_write = (write_fn)dlsym(RTLD_NEXT, "write");
	if (!real_writev)
		real_writev = (writev_fn)dlsym(RTLD_NEXT, "writev");
}

/* True when fd is a NETLINK_XFRM socket. Preserves errno. */
static int is_xfrm_socket(int fd)
{
	int saved = errno;
	int domain = 0;
	int proto = 0;
	socklen_t len = sizeof(domain);
	int ok = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_NETLINK;
	if (ok) {
		len = sizeof(proto);
		ok = getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
		     proto == NETLINK_XFRM;
	}
	errno = saved;
	return ok;
}

struct line {
	char buf[2048];
	size_t len;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (l->len >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len += (size_t)n;
	if (l->len >= sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
}

static void line_hex(struct line *l, const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		line_add(l, "%02x", p[i]);
}

static void line_addr(struct line *l, const char *tag, uint16_t family, const xfrm_address_t *a)
{
	char txt[INET6_ADDRSTRLEN];
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, txt, sizeof(txt)))
		snprintf(txt, sizeof(txt), "?");
	line_add(l, " %s=%s", tag, txt);
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "other";
	}
}

static const char *mode_name(uint8_t m)
{
	switch (m) {
	case XFRM_MODE_TRANSPORT:
		return "transport";
	case XFRM_MODE_TUNNEL:
		return "tunnel";
	case XFRM_MODE_BEET:
		return "beet";
	default:
		return "other";
	}
}

/* Name and key of a struct xfrm_algo-like attribute: name[64], key_len (bits), [extra u32], key. */
static void line_alg(struct line *l, const char *tag, const unsigned char *data, size_t len,
		     size_t key_offset, const char *extra_tag)
{
	char name[65];
	unsigned int bits;
	size_t key_bytes;
	if (len < key_offset)
		return;
	memcpy(name, data, 64);
	name[64] = '\0';
	memcpy(&bits, data + 64, sizeof(bits));
	key_bytes = (bits + 7u) / 8u;
	if (key_bytes > len - key_offset)
		key_bytes = len - key_offset;
	line_add(l, " %s=%s %skey=", tag, name, tag);
	line_hex(l, data + key_offset, key_bytes);
	if (extra_tag) {
		unsigned int extra;
		memcpy(&extra, data + 68, sizeof(extra));
		line_add(l, " %s=%u", extra_tag, extra);
	}
}

/* NLA_HDRLEN as an unsigned size (the kernel macro is an int). */
static const size_t kNlaHdr = (sizeof(struct nlattr) + 3u) & ~(size_t)3u;

static void record_sa(const struct nlmsghdr *nh)
{
	const char *path = getenv("XFRM_NOOP_LOG");
	const char *debug = getenv("XFRM_NOOP_DEBUG");
	struct line l;
	struct xfrm_usersa_info info;
	size_t hdr = NLMSG_LENGTH(sizeof(info));
	size_t off;
	int fd;

	if (nh->nlmsg_len < hdr)
		return;
	memcpy(&info, NLMSG_DATA(nh), sizeof(info));
	l.len = 0;
	line_add(&l, "SA op=%s proto=%s spi=%08x",
		 nh->nlmsg_type == XFRM_MSG_NEWSA ? "NEWSA" : "UPDSA", proto_name(info.id.proto),
		 ntohl(info.id.spi));
	line_addr(&l, "src", info.family, &info.saddr);
	line_addr(&l, "dst", info.family, &info.id.daddr);
	line_add(&l, " mode=%s reqid=%u", mode_name(info.mode), info.reqid);

	/* Attributes follow the fixed header, each NLA_ALIGNed. */
	off = NLMSG_ALIGN(hdr);
	while (off + sizeof(struct nlattr) <= nh->nlmsg_len) {
		struct nlattr na;
		const unsigned char *data;
		size_t alen;
		memcpy(&na, (const unsigned char *)nh + off, sizeof(na));
		if (na.nla_len < sizeof(na) || off + na.nla_len > nh->nlmsg_len)
			break;
		data = (const unsigned char *)nh + off + kNlaHdr;
		alen = na.nla_len - kNlaHdr;
		switch (na.nla_type & NLA_TYPE_MASK) {
		case XFRMA_ALG_CRYPT:
			line_alg(&l, "enc", data, alen, offsetof(struct xfrm_algo, alg_key), NULL);
			break;
		case XFRMA_ALG_AUTH:
			line_alg(&l, "auth", data, alen, offsetof(struct xfrm_algo, alg_key), NULL);
			break;
		case XFRMA_ALG_AUTH_TRUNC:
			line_alg(&l, "auth", data, alen, offsetof(struct xfrm_algo_auth, alg_key),
				 "trunc");
			break;
		case XFRMA_ALG_AEAD:
			line_alg(&l, "aead", data, alen, offsetof(struct xfrm_algo_aead, alg_key),
				 "icv");
			break;
		case XFRMA_ENCAP:
			if (alen >= sizeof(struct xfrm_encap_tmpl)) {
				struct xfrm_encap_tmpl t;
				memcpy(&t, data, sizeof(t));
				line_add(&l, " encap=%u:%u", ntohs(t.encap_sport),
					 ntohs(t.encap_dport));
			}
			break;
		default:
			break;
		}
		off += ((size_t)na.nla_len + 3u) & ~(size_t)3u;
	}
	line_add(&l, "\n");

	if (debug && *debug == '1') {
		resolve();
		if (real_write)
			(void)real_write(2, "xfrm_noop_preload: ", 19);
		if (real_write)
			(void)real_write(2, l.buf, l.len);
	}
	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	resolve();
	if (real_write)
		(void)real_write(fd, l.buf, l.len);
	close(fd);
}

/* Deletes the larval SA (from ALLOCSPI) that an UPDSA would have completed, on a private
 * NETLINK_XFRM socket, waiting at most 1 s for the kernel's answer. Errors are ignored. */
static void delete_larval(const struct nlmsghdr *nh)
{
	struct {
		struct nlmsghdr h;
		struct xfrm_usersa_id id;
	} req;
	struct xfrm_usersa_info info;
	struct sockaddr_nl kernel;
	struct timeval tv = {1, 0};
	char reply[512];
	const char *keep = getenv("XFRM_NOOP_KEEP_LARVAL");
	int fd;

	if ((keep && *keep == '1') || nh->nlmsg_len < NLMSG_LENGTH(sizeof(info)))
		return;
	memcpy(&info, NLMSG_DATA(nh), sizeof(info));
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.id));
	req.h.nlmsg_type = XFRM_MSG_DELSA;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	req.id.daddr = info.id.daddr;
	req.id.spi = info.id.spi;
	req.id.family = info.family;
	req.id.proto = info.id.proto;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (fd < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	resolve();
	if (real_sendto &&
	    real_sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) > 0)
		(void)recv(fd, reply, sizeof(reply), 0);
	close(fd);
}

/* Returns a malloc'ed rewritten copy of buf when it contains NEWSA/UPDSA, else NULL. */
static unsigned char *rewrite(const void *buf, size_t len)
{
	const unsigned char *in = buf;
	unsigned char *out = NULL;
	size_t off = 0;
	int saved = errno;

	while (off + sizeof(struct nlmsghdr) <= len) {
		struct nlmsghdr nh;
		memcpy(&nh, in + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off)
			break;
		if (nh.nlmsg_type == XFRM_MSG_NEWSA || nh.nlmsg_type == XFRM_MSG_UPDSA) {
			if (!out) {
				out = malloc(len);
				if (!out)
					break;
				memcpy(out, in, len);
			}
			record_sa((const struct nlmsghdr *)(const void *)(in + off));
			if (nh.nlmsg_type == XFRM_MSG_UPDSA)
				delete_larval((const struct nlmsghdr *)(const void *)(in + off));
			nh.nlmsg_type = NLMSG_NOOP;
			nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
			memcpy(out + off, &nh, sizeof(nh));
		}
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	errno = saved;
	return out;
}

/* Flattens an iovec array into one malloc'ed buffer. */
static unsigned char *flatten(const struct iovec *iov, size_t n, size_t *total)
{
	size_t i;
	size_t len = 0;
	unsigned char *p;
	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	p = malloc(len ? len : 1);
	if (!p)
		return NULL;
	*total = len;
	len = 0;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len)
			memcpy(p + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return p;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	unsigned char *copy;
	ssize_t r;
	resolve();
	if (!is_xfrm_socket(fd) || !(copy = rewrite(buf, len)))
		return real_send(fd, buf, len, flags);
	r = real_send(fd, copy, len, flags);
	free(copy);
	return r;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	unsigned char *copy;
	ssize_t r;
	resolve();
	if (!is_xfrm_socket(fd) || !(copy = rewrite(buf, len)))
		return real_sendto(fd, buf, len, flags, to, tolen);
	r = real_sendto(fd, copy, len, flags, to, tolen);
	free(copy);
	return r;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	unsigned char *flat;
	unsigned char *copy;
	size_t len = 0;
	struct msghdr m;
	struct iovec one;
	ssize_t r;
	resolve();
	if (!is_xfrm_socket(fd) || !msg || !msg->msg_iov)
		return real_sendmsg(fd, msg, flags);
	flat = flatten(msg->msg_iov, msg->msg_iovlen, &len);
	if (!flat)
		return real_sendmsg(fd, msg, flags);
	copy = rewrite(flat, len);
	free(flat);
	if (!copy)
		return real_sendmsg(fd, msg, flags);
	m = *msg;
	one.iov_base = copy;
	one.iov_len = len;
	m.msg_iov = &one;
	m.msg_iovlen = 1;
	r = real_sendmsg(fd, &m, flags);
	free(copy);
	return r;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	unsigned char *copy;
	ssize_t r;
	resolve();
	if (!is_xfrm_socket(fd) || !(copy = rewrite(buf, len)))
		return real_write(fd, buf, len);
	r = real_write(fd, copy, len);
	free(copy);
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	unsigned char *flat;
	unsigned char *copy;
	size_t len = 0;
	ssize_t r;
	resolve();
	if (n <= 0 || !is_xfrm_socket(fd))
		return real_writev(fd, iov, n);
	flat = flatten(iov, (size_t)n, &len);
	if (!flat)
		return real_writev(fd, iov, n);
	copy = rewrite(flat, len);
	free(flat);
	if (!copy)
		return real_writev(fd, iov, n);
	r = real_write(fd, copy, len);
	free(copy);
	return r;
}
