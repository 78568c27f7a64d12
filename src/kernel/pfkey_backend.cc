// PF_KEY v2 backend (see pfkey_backend.h). RFC 2367 §3.1: the kernel answers each request with
// a message of the same type carrying sadb_msg_errno, seq and pid; SADB_DUMP answers come one
// per SA with the last one's seq 0 (ENOENT: nothing to dump). Receive timeout 5 s.
#include "kernel/pfkey_backend.h"

#include <linux/pfkeyv2.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "kernel/pfkey_message.h"
#include "kernel/xfrm_message.h"  // describe_sa / describe_flow

namespace ike::kernel {

using base::ErrorCode;
using base::NotifyType;

namespace {

constexpr std::size_t kReceiveBuffer = 64 * 1024;
constexpr int kMaxStale = 256;       // foreign broadcasts skipped while waiting for an answer
constexpr int kMaxDumpEntries = 65536;
constexpr int kMaxEventMessages = 64;

base::Error io_error(const std::string& what, int err) {
  return make_error(ErrorCode::Io, NotifyType::None, "pfkey: {}: {}", what, std::strerror(err));
}

bool same_selector(const base::FlowInstall& a, const base::FlowInstall& b) {
  return a.direction == b.direction && a.src_ts == b.src_ts && a.dst_ts == b.dst_ts;
}

}  // namespace

base::Result<std::unique_ptr<PfkeyBackend>> PfkeyBackend::open() {
  int req = ::socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);
  if (req < 0) return io_error("socket(PF_KEY, SOCK_RAW, PF_KEY_V2)", errno);
  timeval tv{5, 0};
  (void)::setsockopt(req, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int ev = ::socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, PF_KEY_V2);
  if (ev < 0) {
    int e = errno;
    ::close(req);
    return io_error("socket(PF_KEY) for events", e);
  }
  std::unique_ptr<PfkeyBackend> b(new PfkeyBackend(req, ev, static_cast<uint32_t>(::getpid())));
  // SADB_REGISTER per SA type: the kernel sends ACQUIRE/EXPIRE to registered sockets only.
  for (uint8_t sat : {uint8_t{SADB_SATYPE_ESP}, uint8_t{SADB_SATYPE_AH},
                      uint8_t{SADB_X_SATYPE_IPCOMP}}) {
    sadb_msg m{};
    m.sadb_msg_version = PF_KEY_V2;
    m.sadb_msg_type = SADB_REGISTER;
    m.sadb_msg_satype = sat;
    m.sadb_msg_len = sizeof(m) / 8;
    m.sadb_msg_seq = ++b->m_seq;
    m.sadb_msg_pid = b->m_pid;
    if (::send(ev, &m, sizeof(m), 0) != static_cast<ssize_t>(sizeof(m))) {
      return io_error("SADB_REGISTER", errno);
    }
  }
  return b;
}

PfkeyBackend::PfkeyBackend(int requests, int events, uint32_t pid)
    : m_requests(requests), m_events(events), m_pid(pid), m_buffer(kReceiveBuffer) {}

PfkeyBackend::~PfkeyBackend() {
  ::close(m_requests);
  ::close(m_events);
}

base::Result<std::vector<uint8_t>> PfkeyBackend::transact(base::ByteView msg, uint32_t seq,
                                                         const std::string& what) {
  if (::send(m_requests, msg.data(), msg.size(), 0) != static_cast<ssize_t>(msg.size())) {
    return io_error(what + ": send", errno);
  }
  for (int i = 0; i < kMaxStale; ++i) {
    ssize_t n = ::recv(m_requests, m_buffer.data(), m_buffer.size(), MSG_TRUNC);
    if (n < 0) return io_error(what + ": recv", errno);
    if (static_cast<std::size_t>(n) > m_buffer.size()) {
      return make_error(ErrorCode::BadLength, NotifyType::None, "pfkey: {}: {}-byte answer",
                        what, n);
    }
    base::ByteView got(m_buffer.data(), static_cast<std::size_t>(n));
    auto r = pfkey::parse_reply(got);
    if (!r || r->seq != seq || r->pid != m_pid) continue;  // someone else's broadcast
    if (r->error != 0) return io_error(what, r->error);
    return std::vector<uint8_t>(got.begin(), got.end());
  }
  return make_error(ErrorCode::Io, NotifyType::None, "pfkey: {}: no answer", what);
}

base::Result<base::Spi> PfkeyBackend::get_spi(base::IpsecProtocol proto,
                                              const base::IpAddress& src,
                                              const base::IpAddress& dst) {
  const std::string what = fmt::format("getspi {} {}->{}", base::ipsec_protocol_name(proto),
                                       src.to_string(), dst.to_string());
  const uint32_t seq = ++m_seq;
  const uint32_t max = proto == base::IpsecProtocol::Ipcomp ? 0xefffu : 0xffffffffu;
  IKE_TRY(base::Bytes msg, pfkey::build_getspi(proto, src, dst, seq, m_pid, 256, max));
  IKE_TRY(auto answer, transact(msg, seq, what));
  IKE_TRY(auto r, pfkey::parse_reply(answer));
  if (!r.spi || (r.spi->value < 256 && proto != base::IpsecProtocol::Ipcomp)) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "pfkey: {}: answer without a "
                      "valid SPI", what);
  }
  m_larval.emplace(base::SaRef{proto, dst, *r.spi}, src);
  return *r.spi;
}

base::Status PfkeyBackend::add_sa(const base::SaInstall& sa) {
  const SaKey key{sa.ref, sa.src};
  const bool larval = m_larval.count(key) != 0;
  const std::string what = xfrm::describe_sa("add", sa.ref, sa.src);
  const uint32_t seq = ++m_seq;
  auto msg = pfkey::build_add_sa(sa, seq, m_pid, larval);
  if (!msg) return std::move(msg).error().with_context("pfkey: " + what);
  IKE_TRY(auto answer, transact(base::ByteView(msg->data(), msg->size()), seq, what));
  m_larval.erase(key);
  m_sas.insert(key);
  return base::ok();
}

base::Status PfkeyBackend::delete_sa(const base::SaRef& ref, const base::IpAddress& src) {
  const std::string what = xfrm::describe_sa("delete", ref, src);
  const uint32_t seq = ++m_seq;
  IKE_TRY(base::Bytes msg, pfkey::build_delete_sa(ref, src, seq, m_pid));
  auto answer = transact(msg, seq, what);
  m_larval.erase({ref, src});
  m_sas.erase({ref, src});
  if (!answer) return std::move(answer).error();
  return base::ok();
}

base::Status PfkeyBackend::add_flow(const base::FlowInstall& flow) {
  const std::string what = xfrm::describe_flow("add", flow);
  const uint32_t seq = ++m_seq;
  IKE_TRY(base::Bytes msg, pfkey::build_spd_add(flow, seq, m_pid, /*update=*/true));
  IKE_TRY(auto answer, transact(msg, seq, what));
  auto it = std::find_if(m_flows.begin(), m_flows.end(),
                         [&](const base::FlowInstall& f) { return same_selector(f, flow); });
  if (it != m_flows.end()) {
    *it = flow;
  } else {
    m_flows.push_back(flow);
  }
  return base::ok();
}

base::Status PfkeyBackend::delete_flow(const base::FlowInstall& flow) {
  const std::string what = xfrm::describe_flow("delete", flow);
  const uint32_t seq = ++m_seq;
  IKE_TRY(base::Bytes msg, pfkey::build_spd_delete(flow, seq, m_pid));
  auto answer = transact(msg, seq, what);
  std::erase_if(m_flows, [&](const base::FlowInstall& f) { return same_selector(f, flow); });
  if (!answer) return std::move(answer).error();
  return base::ok();
}

base::Status PfkeyBackend::flush() {
  return flush_installed(
      "pfkey", m_flows, m_sas, m_larval,
      [this](const base::FlowInstall& f) { return delete_flow(f); },
      [this](const base::SaRef& ref, const base::IpAddress& src) { return delete_sa(ref, src); });
}

base::Result<std::vector<base::Bytes>> PfkeyBackend::dump(uint8_t type, const std::string& what) {
  sadb_msg m{};
  m.sadb_msg_version = PF_KEY_V2;
  m.sadb_msg_type = type;
  m.sadb_msg_satype = SADB_SATYPE_UNSPEC;
  m.sadb_msg_len = sizeof(m) / 8;
  m.sadb_msg_seq = ++m_seq;
  m.sadb_msg_pid = m_pid;
  if (::send(m_requests, &m, sizeof(m), 0) != static_cast<ssize_t>(sizeof(m))) {
    return io_error(what + ": send", errno);
  }
  std::vector<base::Bytes> out;
  for (int i = 0; i < kMaxDumpEntries; ++i) {
    ssize_t n = ::recv(m_requests, m_buffer.data(), m_buffer.size(), MSG_TRUNC);
    if (n < 0) return io_error(what + ": recv", errno);
    if (static_cast<std::size_t>(n) > m_buffer.size()) continue;  // oversized: skipped
    base::ByteView got(m_buffer.data(), static_cast<std::size_t>(n));
    auto r = pfkey::parse_reply(got);
    if (!r || r->type != type || r->pid != m_pid) continue;
    if (r->error == ENOENT) return out;  // empty database
    if (r->error != 0) return io_error(what, r->error);
    out.emplace_back(got.begin(), got.end());
    if (r->seq == 0) return out;
  }
  return make_error(ErrorCode::TooMany, NotifyType::None, "pfkey: {}: more than {} entries",
                    what, kMaxDumpEntries);
}

base::Result<base::KernelState> PfkeyBackend::read_state() {
  base::KernelState state;
  IKE_TRY(auto sas, dump(SADB_DUMP, "SADB_DUMP"));
  for (const auto& raw : sas) {
    auto sa = pfkey::parse_sa_entry(raw);
    if (sa) {
      state.sas.push_back(std::move(*sa));
    } else {
      IKE_LOG_DEBUG(Sysdep, 20, "pfkey: SAD entry skipped: {}", sa.error().detail);
    }
  }
  IKE_TRY(auto pols, dump(SADB_X_SPDDUMP, "SADB_X_SPDDUMP"));
  for (const auto& raw : pols) {
    auto f = pfkey::parse_policy_entry(raw);
    if (f) {
      state.flows.push_back(*f);
    } else {
      IKE_LOG_DEBUG(Sysdep, 20, "pfkey: SPD entry skipped: {}", f.error().detail);
    }
  }
  return state;
}

base::Result<std::vector<base::KernelEvent>> PfkeyBackend::read_events() {
  std::vector<base::KernelEvent> out;
  for (int i = 0; i < kMaxEventMessages; ++i) {
    ssize_t n = ::recv(m_events, m_buffer.data(), m_buffer.size(), MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) continue;
      return io_error("read events", errno);
    }
    if (static_cast<std::size_t>(n) > m_buffer.size()) continue;
    base::ByteView got(m_buffer.data(), static_cast<std::size_t>(n));
    auto r = pfkey::parse_reply(got);
    if (!r) {
      IKE_LOG_DEBUG(Sysdep, 20, "pfkey: bad message: {}", r.error().detail);
      continue;
    }
    if (r->type != SADB_ACQUIRE && r->type != SADB_EXPIRE) continue;  // REGISTER echoes etc.
    auto ev = r->type == SADB_ACQUIRE ? pfkey::parse_acquire(got) : pfkey::parse_expire(got);
    if (!ev) {
      IKE_LOG_DEBUG(Sysdep, 20, "pfkey: event ignored: {}", ev.error().detail);
      continue;
    }
    out.push_back(std::move(*ev));
  }
  return out;
}

}  // namespace ike::kernel
