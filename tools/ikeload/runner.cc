// The ikeload event loop (see runner.h). One thread, epoll over every slot socket; engines are
// driven exactly as the daemon drives its one engine (daemon/daemon.cc), minus the kernel.
#include "runner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <deque>

#include "base/log.h"
#include "crypto/openssl_provider.h"
#include "crypto/openssl_random.h"
#include "credentials.h"
#include "engine/engine.h"
#include "engine/pki_store.h"
#include "initiator_conf.h"
#include "null_kernel.h"
#include "reused_dh.h"

namespace ike::ikeload {

using base::Clock;
using base::ErrorCode;
using base::NotifyType;
using base::SockAddr;
using base::TimePoint;

namespace {

constexpr std::size_t kMaxDatagram = 65536;
constexpr int kEpollBatch = 256;
constexpr int kMaxStartsPerTurn = 256;  // open loop catching up: bounded bursts

socklen_t to_native(const SockAddr& a, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.address.is_v4()) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a.port);
    std::memcpy(&s4->sin_addr, a.address.bytes().data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons(a.port);
  std::memcpy(&s6->sin6_addr, a.address.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<SockAddr> from_native(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    return SockAddr{base::IpAddress::v4_bytes(base::ByteView(
                        reinterpret_cast<const uint8_t*>(&s4->sin_addr), 4)),
                    ntohs(s4->sin_port)};
  }
  if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    auto a = base::IpAddress::parse([&] {
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
      return std::string(buf);
    }());
    if (!a) return std::nullopt;
    return SockAddr{*a, ntohs(s6->sin6_port)};
  }
  return std::nullopt;
}

// The address the kernel would send to `target` from (a connected UDP socket, no packet sent):
// the default source when --source is not given, so the IDs are a real address, not 0.0.0.0.
base::Result<base::IpAddress> route_source(const SockAddr& target) {
  int fd = socket(target.address.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len = to_native(target, ss);
  bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  len = sizeof ss;
  ok = ok && getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0;
  if (!ok) {
    int err = errno;
    if (fd >= 0) close(fd);
    return base::make_error(ErrorCode::Io, NotifyType::None, "no route to {}: {}",
                            target.to_string(), std::strerror(err));
  }
  close(fd);
  auto local = from_native(ss);
  if (!local) {
    return base::make_error(ErrorCode::Io, NotifyType::None, "no local address towards {}",
                            target.to_string());
  }
  return local->address;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Slot {
  int fd = -1;
  SockAddr local;
  std::size_t conf_index = 0;
  std::unique_ptr<engine::Engine> engine;
  TimePoint started{};
  bool done = false;
  std::optional<std::string> failure;  // set with done when the handshake failed
};

class Runner {
 public:
  Runner(const Options& o) : m_o(o), m_dh(m_openssl, o.dh_private_one) {}
  ~Runner() {
    for (auto& s : m_slots) {
      if (s.fd >= 0) close(s.fd);
    }
    if (m_epoll >= 0) close(m_epoll);
  }

  base::Status setup();
  Report run();

 private:
  void start(TimePoint now);
  void drain(Slot& s, TimePoint now);
  void finish(std::size_t index, TimePoint now);
  void on_readable(std::size_t index, TimePoint now);
  int service_timers(TimePoint now);  // returns the epoll timeout (ms)

  const Options& m_o;
  crypto::OpenSslProvider m_openssl;
  ReusedDhProvider m_dh;
  crypto::OpenSslRandom m_rng;
  std::vector<std::shared_ptr<engine::PkiStore>> m_pki;  // per source (RSA_SIG), else empty
  std::vector<base::IpAddress> m_sources;  // the slots' addresses (unspecified resolved)
  std::vector<std::unique_ptr<conf::ConfDb>> m_confs;
  std::vector<Slot> m_slots;
  std::deque<std::size_t> m_free;
  std::vector<std::size_t> m_busy;  // indices of slots with an engine
  int m_epoll = -1;
  NullKernel m_kernel;
  Report m_report;
  std::vector<uint8_t> m_buf = std::vector<uint8_t>(kMaxDatagram);
};

base::Status Runner::setup() {
  uint32_t n = slot_count(m_o);
  // One descriptor per slot: raise the soft limit to the hard one.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
  m_epoll = epoll_create1(EPOLL_CLOEXEC);
  if (m_epoll < 0) {
    return base::make_error(ErrorCode::Io, NotifyType::None, "epoll_create1: {}",
                            std::strerror(errno));
  }
  std::size_t naddr = std::min<std::size_t>(m_o.sources.size(), n);
  m_sources.assign(m_o.sources.begin(), m_o.sources.begin() + static_cast<std::ptrdiff_t>(naddr));
  for (auto& a : m_sources) {
    if (a.is_unspecified()) {
      IKE_TRY(a, route_source(m_o.target));
    }
  }
  if (m_o.auth == Auth::Rsa) {
    IKE_TRY(m_pki, load_credentials(m_o, m_sources, static_cast<int64_t>(std::time(nullptr))));
  }
  for (std::size_t i = 0; i < naddr; ++i) {
    IKE_TRY(std::unique_ptr<conf::ConfDb> db, initiator_conf(m_o, m_sources[i]));
    m_confs.push_back(std::move(db));
  }
  m_slots.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Slot& s = m_slots[i];
    // Address-major: consecutive slots use different addresses, so up to #addresses handshakes
    // in flight never share an address (INITIAL-CONTACT from one would delete the other's SAs).
    s.conf_index = i % naddr;
    s.local = SockAddr{m_sources[s.conf_index],
                       static_cast<uint16_t>(m_o.port_first + i / naddr)};
    s.fd = socket(s.local.address.is_v4() ? AF_INET : AF_INET6,
                  SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
      return base::make_error(ErrorCode::Io, NotifyType::None, "socket: {} (slot {})",
                              std::strerror(errno), i);
    }
    sockaddr_storage ss{};
    socklen_t len = to_native(s.local, ss);
    if (bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return base::make_error(ErrorCode::Io, NotifyType::None, "bind {}: {}",
                              s.local.to_string(), std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, s.fd, &ev) != 0) {
      return base::make_error(ErrorCode::Io, NotifyType::None, "epoll_ctl: {}",
                              std::strerror(errno));
    }
    m_free.push_back(i);
  }
  return base::ok();
}

void Runner::start(TimePoint now) {
  ++m_report.started;
  if (m_free.empty()) {
    ++m_report.failed;
    ++m_report.failures["no free slot"];
    return;
  }
  std::size_t index = m_free.front();
  m_free.pop_front();
  Slot& s = m_slots[index];
  engine::EngineOptions eo;
  eo.listen_port = s.local.port;
  s.engine = std::make_unique<engine::Engine>(*m_confs[s.conf_index], m_dh, m_rng, eo);
  if (!m_pki.empty()) s.engine->set_credentials(m_pki[s.conf_index]);
  s.started = now;
  s.done = false;
  s.failure.reset();
  m_busy.push_back(index);
  s.engine->start(now);
  drain(s, now);
  if (s.done) finish(index, now);
}

void Runner::drain(Slot& s, TimePoint now) {
  for (;;) {
    auto outs = s.engine->take_outputs();
    if (outs.empty()) return;
    for (auto& out : outs) {
      if (auto* d = std::get_if<engine::SendDatagram>(&out)) {
        if (d->keepalive) continue;
        sockaddr_storage ss{};
        socklen_t len = to_native(d->peer, ss);
        (void)sendto(s.fd, d->bytes.data(), d->bytes.size(), 0,
                     reinterpret_cast<sockaddr*>(&ss), len);
      } else if (auto* k = std::get_if<engine::KernelRequest>(&out)) {
        s.engine->on_kernel_reply(m_kernel.answer(*k), now);  // null_kernel.h
      } else if (auto* ev = std::get_if<engine::SaEvent>(&out)) {
        if (s.done) continue;
        if (ev->kind == engine::SaEvent::Kind::Phase2Established) {
          s.done = true;
        } else if (ev->kind == engine::SaEvent::Kind::ExchangeFailed) {
          s.done = true;
          s.failure = failure_reason(ev->detail);
          if (m_o.verbose) fmt::print(stderr, "ikeload: {}: {}\n", s.local.to_string(), ev->detail);
        }
      }
    }
  }
}

void Runner::finish(std::size_t index, TimePoint now) {
  Slot& s = m_slots[index];
  if (s.failure) {
    ++m_report.failed;
    ++m_report.failures[*s.failure];
  } else {
    ++m_report.succeeded;
    m_report.latencies_ms.push_back(seconds(now - s.started) * 1000.0);
  }
  // DELETE (IPsec first, then ISAKMP) so the responder frees the pair, unless --keep-sas.
  s.engine->shutdown(now, !m_o.keep_sas);
  s.done = true;  // events of the shutdown are not counted
  drain(s, now);
  s.engine.reset();
  std::erase(m_busy, index);
  m_free.push_back(index);
}

void Runner::on_readable(std::size_t index, TimePoint now) {
  Slot& s = m_slots[index];
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ssize_t n = recvfrom(s.fd, m_buf.data(), m_buf.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                         &len);
    if (n < 0) return;  // EAGAIN (or an ICMP error queued on the socket)
    if (!s.engine) continue;  // a late retransmission after the handshake ended
    auto peer = from_native(ss);
    if (!peer) continue;
    engine::Datagram d{s.local, *peer, base::Bytes(m_buf.begin(), m_buf.begin() + n)};
    s.engine->on_datagram(d, now);
    drain(s, now);
    if (s.done) {
      finish(index, now);
      // The slot may be reused by the next start; remaining datagrams of this socket go to it.
    }
  }
}

int Runner::service_timers(TimePoint now) {
  auto timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(m_o.timeout_s));
  TimePoint next = now + std::chrono::milliseconds(50);
  std::vector<std::size_t> busy = m_busy;  // finish() edits m_busy
  for (std::size_t index : busy) {
    Slot& s = m_slots[index];
    if (!s.engine) continue;
    if (now - s.started >= timeout) {
      s.done = true;
      s.failure = "timeout";
      finish(index, now);
      continue;
    }
    if (auto dl = s.engine->next_deadline(); dl && *dl <= now) {
      s.engine->on_tick(now);
      drain(s, now);
      if (s.done) {
        finish(index, now);
        continue;
      }
    }
    next = std::min(next, s.started + timeout);
    if (auto dl = s.engine->next_deadline()) next = std::min(next, *dl);
  }
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<long>(ms, 0, 50));
}

Report Runner::run() {
  std::vector<int> pids = with_children(m_o.responder_pids);
  double cpu0 = total_cpu_seconds(pids);
  double self0 = self_cpu_seconds();
  const TimePoint t0 = Clock::now();
  const TimePoint stop_starting =
      m_o.duration_s > 0 ? t0 + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(m_o.duration_s))
                         : TimePoint::max();
  const auto period = m_o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(1.0 / m_o.rate))
                                   : Clock::duration::zero();
  TimePoint next_arrival = t0;
  std::array<epoll_event, kEpollBatch> events{};
  for (;;) {
    TimePoint now = Clock::now();
    auto may_start = [&] {
      return (m_o.count == 0 || m_report.started < m_o.count) && now < stop_starting;
    };
    if (m_o.rate > 0) {
      for (int k = 0; k < kMaxStartsPerTurn && may_start() && now >= next_arrival; ++k) {
        start(now);
        next_arrival += period;
      }
    } else {
      while (may_start() && m_busy.size() < m_o.concurrency) start(now);
    }
    if (!may_start() && m_busy.empty()) break;
    int wait_ms = service_timers(now);
    if (m_o.rate > 0 && may_start()) {
      auto until = std::chrono::ceil<std::chrono::milliseconds>(next_arrival - now).count();
      wait_ms = static_cast<int>(std::clamp<long>(until, 0, wait_ms));
    }
    // --busy-poll: the generator never sleeps, so a reply does not have to wake it. A sleeping
    // generator is woken from inside the responder's sendmsg (the veth pair delivers in the
    // sender's softirq), and that wakeup is charged to the responder's CPU time.
    if (m_o.busy_poll) wait_ms = 0;
    int n = epoll_wait(m_epoll, events.data(), kEpollBatch, wait_ms);
    now = Clock::now();
    for (std::size_t i = 0; i < static_cast<std::size_t>(std::max(n, 0)); ++i) {
      on_readable(static_cast<std::size_t>(events[i].data.u64), now);
    }
  }
  m_report.wall_s = seconds(Clock::now() - t0);
  m_report.generator_cpu_s = self_cpu_seconds() - self0;
  m_report.responder_pids = pids;
  if (!pids.empty()) m_report.responder_cpu_s = total_cpu_seconds(pids) - cpu0;
  m_report.description = fmt::format(
      "MM {} {}-{} GRP{} + QM {}, {} {}, {} slots{}", m_o.auth == Auth::Psk ? "PSK" : "RSA_SIG",
      m_o.cipher, m_o.hash, m_o.group, m_o.pfs ? fmt::format("PFS GRP{}", m_o.group) : "no PFS",
      m_o.rate > 0 ? "open loop" : "closed loop",
      m_o.rate > 0 ? fmt::format("{}/s", m_o.rate) : std::to_string(m_o.concurrency),
      m_slots.size(), m_o.dh_private_one ? ", generator DH private value 1" : "");
  m_report.finish();
  return std::move(m_report);
}

}  // namespace

base::Result<Report> run_load(const Options& o) {
  if (!o.verbose) base::Logger::instance().set_sink(base::null_sink());
  auto runner = std::make_unique<Runner>(o);
  IKE_TRY_VOID(runner->setup());
  return runner->run();
}

}  // namespace ike::ikeload
