// XFRM backend (see xfrm_backend.h). Request/reply discipline: one request in flight, replies
// with another sequence number or port id are skipped (bounded: at most kMaxStaleReplies), a
// datagram larger than the receive buffer is an error (MSG_TRUNC via libmnl). ALLOCSPI has no
// NLM_F_ACK: the kernel answers with the new larval SA (XFRM_MSG_NEWSA) or NLMSG_ERROR.
#include "kernel/xfrm_backend.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "kernel/xfrm_message.h"

namespace ike::kernel {

using base::ErrorCode;
using base::NotifyType;

namespace {

constexpr std::size_t kReceiveBuffer = 64 * 1024;
constexpr int kMaxStaleReplies = 64;
constexpr int kMaxDumpDatagrams = 4096;
constexpr int kMaxEventDatagrams = 64;  // per read_events() call

base::Error io_error(const std::string& what, int err) {
  return make_error(ErrorCode::Io, NotifyType::None, "xfrm: {}: {}", what, std::strerror(err));
}

bool same_selector(const base::FlowInstall& a, const base::FlowInstall& b) {
  return a.direction == b.direction && a.src_ts == b.src_ts && a.dst_ts == b.dst_ts;
}

}  // namespace

base::Result<std::unique_ptr<XfrmBackend>> XfrmBackend::open() {
  mnl_socket* req = mnl_socket_open(NETLINK_XFRM);
  if (req == nullptr) return io_error("socket(NETLINK_XFRM)", errno);
  if (mnl_socket_bind(req, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(req);
    return io_error("bind request socket", e);
  }
  timeval tv{5, 0};
  (void)setsockopt(mnl_socket_get_fd(req), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  mnl_socket* ev = mnl_socket_open2(NETLINK_XFRM, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (ev == nullptr) {
    int e = errno;
    mnl_socket_close(req);
    return io_error("socket(NETLINK_XFRM) for events", e);
  }
  const unsigned groups = (1u << (XFRMNLGRP_ACQUIRE - 1)) | (1u << (XFRMNLGRP_EXPIRE - 1));
  if (mnl_socket_bind(ev, groups, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(req);
    mnl_socket_close(ev);
    return io_error("bind event socket to XFRMNLGRP_ACQUIRE|EXPIRE", e);
  }
  return std::unique_ptr<XfrmBackend>(new XfrmBackend(req, ev));
}

XfrmBackend::XfrmBackend(mnl_socket* requests, mnl_socket* events)
    : m_requests(requests),
      m_events(events),
      m_seq(static_cast<uint32_t>(time(nullptr))),
      m_buffer(kReceiveBuffer) {}

XfrmBackend::~XfrmBackend() {
  mnl_socket_close(m_requests);
  mnl_socket_close(m_events);
}

int XfrmBackend::event_fd() const { return mnl_socket_get_fd(m_events); }

base::Status XfrmBackend::send(base::ByteView msg, const std::string& what) {
  ssize_t n = mnl_socket_sendto(m_requests, msg.data(), msg.size());
  if (n < 0) return io_error(what + ": sendto", errno);
  if (static_cast<std::size_t>(n) != msg.size()) {
    return make_error(ErrorCode::Io, NotifyType::None, "xfrm: {}: short send {} of {}", what, n,
                      msg.size());
  }
  return base::ok();
}

base::Result<bool> XfrmBackend::exchange(base::ByteView msg, uint32_t seq,
                                          const std::string& what, int max_datagrams,
                                          const ReplyHandler& on_reply) {
  IKE_TRY_VOID(send(msg, what));
  const uint32_t portid = mnl_socket_get_portid(m_requests);
  for (int i = 0; i < max_datagrams; ++i) {
    ssize_t n = mnl_socket_recvfrom(m_requests, m_buffer.data(), m_buffer.size());
    if (n < 0) return io_error(what + ": recv", errno);
    IKE_TRY(auto msgs, xfrm::split_messages({m_buffer.data(), static_cast<std::size_t>(n)}));
    for (const auto& m : msgs) {
      if (m.seq != seq || m.pid != portid) continue;  // a stale or foreign reply
      IKE_TRY(bool done, on_reply(m));
      if (done) return true;
    }
  }
  return false;
}

base::Result<int> XfrmBackend::request_errno(base::ByteView msg, uint32_t seq,
                                             const std::string& what) {
  int err = 0;
  IKE_TRY(bool answered, exchange(msg, seq, what, kMaxStaleReplies,
                                  [&](const xfrm::NetlinkMessage& m) -> base::Result<bool> {
                                    if (m.type != NLMSG_ERROR) {
                                      return make_error(ErrorCode::BadValue, NotifyType::None,
                                                        "xfrm: {}: unexpected reply type {}",
                                                        what, m.type);
                                    }
                                    IKE_TRY(err, xfrm::parse_error(m));
                                    return true;
                                  }));
  if (!answered) {
    return make_error(ErrorCode::Io, NotifyType::None, "xfrm: {}: no reply with sequence {}",
                      what, seq);
  }
  return err;
}

base::Status XfrmBackend::request_ack(base::ByteView msg, uint32_t seq, const std::string& what) {
  IKE_TRY(int err, request_errno(msg, seq, what));
  if (err != 0) return io_error(what, err);
  return base::ok();
}

base::Result<std::vector<base::Bytes>> XfrmBackend::dump(base::ByteView msg, uint32_t seq,
                                                         const std::string& what) {
  std::vector<base::Bytes> out;
  IKE_TRY(bool complete, exchange(msg, seq, what, kMaxDumpDatagrams,
                                  [&](const xfrm::NetlinkMessage& m) -> base::Result<bool> {
                                    if (m.type == NLMSG_DONE) return true;
                                    if (m.type == NLMSG_ERROR) {
                                      IKE_TRY(int err, xfrm::parse_error(m));
                                      return io_error(what, err);
                                    }
                                    out.emplace_back(m.raw.begin(), m.raw.end());
                                    return false;
                                  }));
  if (!complete) {
    return make_error(ErrorCode::TooMany, NotifyType::None, "xfrm: {}: more than {} datagrams",
                      what, kMaxDumpDatagrams);
  }
  return out;
}

base::Result<base::Spi> XfrmBackend::get_spi(base::IpsecProtocol proto, const base::IpAddress& src,
                                             const base::IpAddress& dst) {
  const std::string what = fmt::format("allocspi {} {}->{}", base::ipsec_protocol_name(proto),
                                       src.to_string(), dst.to_string());
  const uint32_t seq = next_seq();
  // RFC 4303 §2.1: 1..255 reserved; RFC 3173 §2.2: the CPI is 16 bits (256..61439 usable).
  const uint32_t max = proto == base::IpsecProtocol::Ipcomp ? 0xefffu : 0xffffffffu;
  IKE_TRY(base::Bytes msg, xfrm::build_allocspi(proto, src, dst, seq, 256, max));
  base::Spi spi{};
  IKE_TRY(bool answered, exchange(msg, seq, what, kMaxStaleReplies,
                                  [&](const xfrm::NetlinkMessage& m) -> base::Result<bool> {
                                    if (m.type == NLMSG_ERROR) {
                                      IKE_TRY(int err, xfrm::parse_error(m));
                                      return io_error(what, err == 0 ? EPROTO : err);
                                    }
                                    IKE_TRY(spi, xfrm::parse_allocspi_reply(m));
                                    return true;
                                  }));
  if (!answered) return make_error(ErrorCode::Io, NotifyType::None, "xfrm: {}: no reply", what);
  m_larval.emplace(base::SaRef{proto, dst, spi}, src);
  IKE_LOG_DEBUG(Sysdep, 30, "xfrm: {} -> 0x{:08x}", what, spi.value);
  return spi;
}

base::Status XfrmBackend::add_sa(const base::SaInstall& sa) {
  const SaKey key{sa.ref, sa.src};
  const bool larval = m_larval.count(key) != 0;
  const std::string what = xfrm::describe_sa("add", sa.ref, sa.src);
  uint32_t seq = next_seq();
  auto msg = xfrm::build_add_sa(sa, seq, larval);  // UPDSA completes the larval SA
  if (!msg) return std::move(msg).error().with_context("xfrm: " + what);
  IKE_TRY(int err, request_errno(base::ByteView(msg->data(), msg->size()), seq, what));
  if (larval && err == ESRCH) {
    // The larval SA of ALLOCSPI lives net.core.xfrm_acq_expires (30 s) only; a Quick Mode
    // slowed by retransmissions outlives it: add the SA afresh under the same SPI.
    IKE_LOG_DEBUG(Sysdep, 10, "xfrm: {}: larval SA expired, adding it anew", what);
    seq = next_seq();
    msg = xfrm::build_add_sa(sa, seq, false);
    if (!msg) return std::move(msg).error().with_context("xfrm: " + what);
    IKE_TRY(err, request_errno(base::ByteView(msg->data(), msg->size()), seq, what));
  }
  if (err != 0) return io_error(what, err);
  m_larval.erase(key);
  m_sas.insert(key);
  IKE_LOG_DEBUG(Sysdep, 10, "xfrm: installed {} ({})", what,
                sa.name.empty() ? "<unnamed>" : base::sanitize_for_log(sa.name));
  return base::ok();
}

base::Status XfrmBackend::delete_sa(const base::SaRef& ref, const base::IpAddress& src) {
  const std::string what = xfrm::describe_sa("delete", ref, src);
  const uint32_t seq = next_seq();
  IKE_TRY(base::Bytes msg, xfrm::build_delete_sa(ref, src, seq));
  auto st = request_ack(msg, seq, what);
  m_larval.erase({ref, src});
  m_sas.erase({ref, src});
  return st;
}

base::Status XfrmBackend::add_flow(const base::FlowInstall& flow) {
  const std::string what = xfrm::describe_flow("add", flow);
  const uint32_t seq = next_seq();
  IKE_TRY(base::Bytes msg, xfrm::build_add_policy(flow, seq, /*update=*/true));
  IKE_TRY_VOID(request_ack(msg, seq, what));
  auto it = std::find_if(m_flows.begin(), m_flows.end(),
                         [&](const base::FlowInstall& f) { return same_selector(f, flow); });
  if (it != m_flows.end()) {
    *it = flow;
  } else {
    m_flows.push_back(flow);
  }
  return base::ok();
}

base::Status XfrmBackend::delete_flow(const base::FlowInstall& flow) {
  const std::string what = xfrm::describe_flow("delete", flow);
  const uint32_t seq = next_seq();
  IKE_TRY(base::Bytes msg, xfrm::build_delete_policy(flow, seq));
  auto st = request_ack(msg, seq, what);
  std::erase_if(m_flows, [&](const base::FlowInstall& f) { return same_selector(f, flow); });
  return st;
}

base::Status XfrmBackend::flush() {
  return flush_installed(
      "xfrm", m_flows, m_sas, m_larval,
      [this](const base::FlowInstall& f) { return delete_flow(f); },
      [this](const base::SaRef& ref, const base::IpAddress& src) { return delete_sa(ref, src); });
}

base::Result<base::KernelState> XfrmBackend::read_state() {
  base::KernelState state;
  uint32_t seq = next_seq();
  IKE_TRY(auto sas, dump(xfrm::build_dump_sa(seq), seq, "dump SAD"));
  for (const auto& raw : sas) {
    IKE_TRY(auto msgs, xfrm::split_messages(raw));
    auto sa = xfrm::parse_sa(msgs.at(0));
    if (!sa) {
      IKE_LOG_DEBUG(Sysdep, 20, "xfrm: SAD entry skipped: {}", sa.error().detail);
      continue;
    }
    state.sas.push_back(std::move(*sa));
  }
  seq = next_seq();
  IKE_TRY(auto pols, dump(xfrm::build_dump_policy(seq), seq, "dump SPD"));
  for (const auto& raw : pols) {
    IKE_TRY(auto msgs, xfrm::split_messages(raw));
    auto f = xfrm::parse_policy(msgs.at(0));
    if (!f) {
      IKE_LOG_DEBUG(Sysdep, 20, "xfrm: SPD entry skipped: {}", f.error().detail);
      continue;
    }
    state.flows.push_back(*f);
  }
  return state;
}

base::Result<std::vector<base::KernelEvent>> XfrmBackend::read_events() {
  std::vector<base::KernelEvent> out;
  for (int i = 0; i < kMaxEventDatagrams; ++i) {
    ssize_t n = mnl_socket_recvfrom(m_events, m_buffer.data(), m_buffer.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {  // the kernel dropped events; the next ones still arrive
        IKE_LOG_WARN("xfrm: event socket overrun, kernel events were lost");
        continue;
      }
      return io_error("read events", errno);
    }
    auto msgs = xfrm::split_messages({m_buffer.data(), static_cast<std::size_t>(n)});
    if (!msgs) {
      IKE_LOG_WARN("xfrm: bad event datagram: {}", msgs.error().detail);
      continue;
    }
    for (const auto& m : *msgs) {
      base::Result<base::KernelEvent> ev =
          m.type == XFRM_MSG_ACQUIRE  ? xfrm::parse_acquire(m)
          : m.type == XFRM_MSG_EXPIRE ? xfrm::parse_expire(m)
                                      : base::Result<base::KernelEvent>(make_error(
                                            ErrorCode::Unsupported, NotifyType::None,
                                            "message type {}", m.type));
      if (!ev) {
        IKE_LOG_DEBUG(Sysdep, 20, "xfrm: event ignored: {}", ev.error().detail);
        continue;
      }
      out.push_back(std::move(*ev));
    }
  }
  return out;
}

}  // namespace ike::kernel
